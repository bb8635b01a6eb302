"""Change categories: how a changelog's section heading maps to a release field.

A heading (``### ✨ Added``, ``### Bug Fixes``, ``### Ajouts``) is compared by
``heading_key``: emoji and punctuation are ignored, case and runs of spaces too. It maps,
first match wins, by the site's ``changelog: aliases``, then by the key or label of a
category the site declares (``changelog: categories``), then by ``SYNONYMS`` (the Keep a
Changelog names, common synonyms and the names of the format's translations). A
heading that matches nothing is a new category, keyed by ``category_key``.
"""

from __future__ import annotations

import re
import unicodedata

from pmsite.model.items import NOTE_FIELDS, SiteConfig

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "added": (
        *("added", "add", "adds", "new", "features", "feature", "new features"),
        *("additions", "ajouts", "ajout", "ajouté", "ajoutés", "nouveautés", "hinzugefügt"),
        *("añadido", "agregado", "adicionado", "aggiunto", "toegevoegd"),
    ),
    "changed": (
        *("changed", "changes", "change", "modified", "modifié", "modifiés", "modifications"),
        *("changé", "changements", "geändert", "änderungen", "cambiado", "cambios"),
        *("alterado", "modificado", "mudanças", "modificato", "gewijzigd"),
    ),
    "deprecated": (
        *("deprecated", "deprecations", "deprecation", "déprécié", "dépréciés", "obsolète"),
        *("veraltet", "obsoleto", "descontinuado", "deprecato"),
    ),
    "removed": (
        *("removed", "removals", "removal", "supprimé", "supprimés", "suppressions"),
        *("retiré", "entfernt", "eliminado", "removido", "rimosso", "verwijderd"),
    ),
    "fixed": (
        *("fixed", "fixes", "fix", "bug fixes", "bugfixes", "bugfix", "bug fix", "bugs fixed"),
        *("corrigé", "corrigés", "corrections", "correctifs", "behoben", "fehlerbehebungen"),
        *("corregido", "correcciones", "corrigido", "correções", "corretto", "opgelost"),
    ),
    "security": (
        *("security", "security fixes", "security fix", "sécurité", "sicherheit"),
        *("seguridad", "segurança", "sicurezza", "beveiliging"),
    ),
    "breaking": (
        *("breaking", "breaking change", "breaking changes", "backwards incompatible changes"),
        *("backward incompatible changes", "incompatible changes", "changements incompatibles"),
    ),
    "highlights": ("highlights",),
}
SYNONYMS = {name: target for target, names in _SYNONYMS.items() for name in names}


def heading_key(text: str) -> str:
    """A section heading as compared: letters and digits only, lower case, one space
    between words ('### ✨ Bug-Fixes:' -> 'bug fixes')."""
    kept = [c if unicodedata.category(c)[0] in "LN" else " " for c in text]
    return " ".join("".join(kept).casefold().split())


def category_key(text: str) -> str:
    """The key a new category gets from its heading ('📦 Dependencies' -> 'dependencies',
    'Bug Fixes' -> 'bug-fixes')."""
    return heading_key(text).replace(" ", "-")


def category_label(text: str) -> str:
    """A heading without its leading emoji and punctuation and trailing colon."""
    start = next((i for i, c in enumerate(text) if unicodedata.category(c)[0] in "LN"), len(text))
    return text[start:].strip().rstrip(":").strip()


KEY_PATTERN = re.compile(r"^[^\W_][\w-]*$")


def section_target(heading: str, config: SiteConfig) -> str | None:
    """The category key (or ``breaking``/``highlights``) a section heading maps to, or
    None when it is none the site or pmsite knows."""
    key = heading_key(heading)
    if not key:
        return None
    if key in config.aliases:
        return config.aliases[key]
    for category in config.categories:
        if key in (heading_key(category.label), heading_key(category.key)):
            return category.key
    target = SYNONYMS.get(key)
    if target is None or target in NOTE_FIELDS:
        return target
    return target if any(c.key == target for c in config.categories) else None

"""Speed-ups for Markdown conversion that rely on private or internal parts of
Python-Markdown and Pygments: the only place in pmsite that reaches past those
libraries' public APIs, so that upgrading one of them means reviewing this file.

Importing this module changes nothing. ``markup.py`` turns the speed-ups on when it
sets up its converter: it passes ``code_formatter()`` to codehilite and then calls
``apply(md)``, which returns the ``InlinePatterns`` it uses before each conversion.

Tested against Markdown 3.11.x and Pygments 2.21.x (``TESTED``; pyproject.toml allows
only those). With any other version, or when a check below finds a private part gone,
that speed-up stays off and the libraries' own code runs: the HTML is the same, only
slower. tests/test_library_speedups.py fails when an allowed version leaves a speed-up
off, so whoever raises a cap reviews this file and ``TESTED`` together. (nh3 0.3.x and
Jinja2 3.1.x are used only through their public APIs.)

Private and internal APIs touched:

1. Pygments ``HtmlFormatter._create_stylesheet()`` and the ``ttype2class`` and
   ``class2style`` attributes it fills. ``CachedStylesheetFormatter`` builds them once
   per (style, class prefix) per process instead of once per code block (codehilite
   makes a formatter for every block), and shares the dicts between formatters, which
   relies on HtmlFormatter never changing them after ``__init__``.
   Falls back to: plain ``HtmlFormatter`` (``code_formatter()``) when Pygments is
   untested or the method is missing.
2. Python-Markdown's module global ``markdown.extensions.codehilite.get_lexer_by_name``,
   through which codehilite (and fenced_code through it) finds a lexer for every code
   block. ``apply()`` replaces it, once per process, with ``cached_lexer_by_name``,
   which reuses a lexer per (language, options); that relies on Pygments lexers keeping
   no state between uses. Being a module global, the replacement also serves any other
   Markdown instance in the process (with the same results).
   Falls back to: the global is left alone (a lexer lookup per block) when Pygments is
   untested or the global is not Pygments' own function.
3. Python-Markdown's ``InlineProcessor.inlinePatterns`` (the ``"inline"``
   treeprocessor's reference to ``md.inlinePatterns``, which Python-Markdown indexes for
   every piece of text), and what each built-in inline pattern can match
   (``_PATTERN_TRIGGERS``). ``InlinePatterns.select()`` puts there, before each
   conversion, a plain list of only the patterns that can match the source.
   Falls back to: the registry is left in place and every pattern runs when Markdown is
   untested or the ``"inline"`` treeprocessor is not an ``InlineProcessor`` holding
   ``md.inlinePatterns``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, ClassVar

import markdown
import pygments
from markdown.extensions import codehilite
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name

# (major, minor) of each library the speed-ups are tested against.
TESTED = {"markdown": (3, 11), "pygments": (2, 21)}


def is_tested(library: str) -> bool:
    """Whether the installed ``library`` ("markdown" or "pygments") is a tested version."""
    version = {"markdown": markdown.__version__, "pygments": pygments.__version__}[library]
    found = re.match(r"(\d+)\.(\d+)", version)
    return found is not None and (int(found[1]), int(found[2])) == TESTED[library]


# -- 1. Pygments: one style table per process ---------------------------------------

_TokenClasses = dict[Any, str]  # ttype2class: token type -> CSS class
_ClassStyles = dict[str, tuple[str, Any, int]]  # class2style: class -> (CSS, type, depth)

# Pygments' own table builder (None if a Pygments release drops or renames it).
_build_stylesheet: Callable[[HtmlFormatter], None] | None = getattr(
    HtmlFormatter, "_create_stylesheet", None
)


class CachedStylesheetFormatter(HtmlFormatter):
    """Pygments' HTML formatter, with its per-style class table built once per process
    instead of once per code block."""

    ttype2class: _TokenClasses
    class2style: _ClassStyles
    _stylesheets: ClassVar[dict[tuple[str, str], tuple[_TokenClasses, _ClassStyles]]] = {}

    def _create_stylesheet(self) -> None:
        key = (str(self.style), self.classprefix)
        cached = self._stylesheets.get(key)
        if cached is None:
            assert _build_stylesheet is not None  # code_formatter() checked it
            _build_stylesheet(self)
            self._stylesheets[key] = (self.ttype2class, self.class2style)
        else:
            self.ttype2class, self.class2style = cached


def code_formatter() -> type[HtmlFormatter]:
    """The formatter class for codehilite's ``pygments_formatter`` option."""
    if _build_stylesheet is not None and is_tested("pygments"):
        return CachedStylesheetFormatter
    return HtmlFormatter


# -- 2. Python-Markdown's codehilite: lexers reused ---------------------------------


@functools.lru_cache(maxsize=256)
def _lexer(name: str, options: tuple[tuple[str, object], ...]) -> Lexer:
    return get_lexer_by_name(name, **dict(options))


def cached_lexer_by_name(name: str, **options: object) -> Lexer:
    """``get_lexer_by_name`` with the lexer reused per (language, options): looking
    lexers up is a large share of highlighting small code blocks."""
    try:
        return _lexer(name, tuple(sorted(options.items(), key=lambda option: option[0])))
    except TypeError:  # an option that cannot be a cache key (a list): not cached
        return get_lexer_by_name(name, **options)


def _install_lexer_cache() -> bool:
    """Route codehilite's lexer lookups through the cache; whether they now are."""
    module: Any = codehilite  # the global is not part of its typed (public) interface
    current = getattr(module, "get_lexer_by_name", None)
    if current is cached_lexer_by_name:
        return True
    if current is not get_lexer_by_name or not is_tested("pygments"):
        return False
    module.get_lexer_by_name = cached_lexer_by_name
    return True


def lexer_cache_installed() -> bool:
    return getattr(codehilite, "get_lexer_by_name", None) is cached_lexer_by_name


# -- 3. Python-Markdown: only the inline patterns that can match --------------------

# What must appear in a text for each of Python-Markdown's inline patterns to match
# anything ("  \n" also after tabs are expanded and line ends normalised). Patterns
# that cannot match are left out of a conversion: inline patterns are tried on every
# piece of text, and are most of Python-Markdown's time. Unknown patterns always run.
_PATTERN_TRIGGERS = {
    "backtick": ("`",),
    "escape": ("\\",),
    "footnote": ("[^",),
    "reference": ("[",),
    "link": ("[",),
    "image_link": ("![",),
    "image_reference": ("![",),
    "short_reference": ("[",),
    "short_image_ref": ("![",),
    "autolink": ("<",),
    "automail": ("<",),
    "html": ("<",),
    "linebreak": ("  \n", "\t", "\r"),
    "entity": ("&",),
    "em_strong": ("*", "_"),
}


class InlinePatterns:
    """Chooses, before each conversion, the inline patterns a Markdown instance runs."""

    def __init__(self, md: markdown.Markdown) -> None:
        try:  # (a Registry has no .get)
            inline: Treeprocessor | None = md.treeprocessors["inline"]
        except KeyError:
            inline = None
        registry = md.inlinePatterns
        # (object: the stubs give md's and the treeprocessor's registries different types)
        held: object = inline.inlinePatterns if isinstance(inline, InlineProcessor) else None
        self.active = held is registry and is_tested("markdown")
        self._inline: Any = inline  # its attribute is typed as a Registry; we set a list
        names = {
            registry.get_index_for_name(name): name
            for name in _PATTERN_TRIGGERS
            if name in registry
        }
        self._patterns = [(pattern, names.get(i, "")) for i, pattern in enumerate(registry)]
        self._lists: dict[tuple[bool, ...], list[object]] = {}

    def select(self, source: str, every: bool = False) -> None:
        """Let the next conversion run only the patterns that can match ``source`` (all
        of them with ``every``: the tests' reference); nothing when not active."""
        if self.active:
            self._inline.inlinePatterns = self._for(source, every)

    def _for(self, source: str, every: bool) -> list[object]:
        """The patterns that can match something in ``source``, in their order (a plain
        list: Python-Markdown indexes it for every piece of text it processes)."""
        present = tuple(
            every or any(trigger in source for trigger in _PATTERN_TRIGGERS.get(name, ("",)))
            for _, name in self._patterns
        )
        patterns = self._lists.get(present)
        if patterns is None:
            patterns = [
                pattern for (pattern, _), kept in zip(self._patterns, present, strict=True) if kept
            ]
            self._lists[present] = patterns
        return patterns


def apply(md: markdown.Markdown) -> InlinePatterns:
    """Turn the speed-ups on for ``md``, once its extensions and registries are final
    (the inline patterns are read now). Call ``select()`` on the result before each
    conversion."""
    _install_lexer_cache()
    return InlinePatterns(md)

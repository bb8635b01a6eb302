"""content/site.yaml: the site's settings, checked like any other content file."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pmsite.errors import ErrorList, did_you_mean, quoted
from pmsite.load.fields import FieldReader, describe
from pmsite.load.yamlload import YamlMap
from pmsite.model.categories import KEY_PATTERN, heading_key
from pmsite.model.items import CHANGE_CATEGORIES, NOTE_FIELDS, Category, SiteConfig
from pmsite.model.versions import SCHEMES

SITE_KEYS = (
    *("title", "description", "product", "base_url", "language", "repo_url", "markdown"),
    *("feed_limit", "versioning", "changelog"),
)
MARKDOWN_KEYS = ("unsafe_html",)
CHANGELOG_KEYS = ("categories", "aliases")
CATEGORY_KEYS = ("key", "label")

# A well-formed BCP 47 language tag (RFC 5646, section 2.1): language (with extended
# language subtags), script, region, variants, extensions, private use; or a private-use
# or grandfathered tag. The language is 2 or 3 letters: the 4 to 8 letter forms the
# grammar allows are reserved, none is registered ('english' is not a language tag).
_ALNUM = "[a-z0-9]"
_LANGTAG = (
    r"[a-z]{2,3}(?:-[a-z]{3}){0,3}"  # language, extended language subtags
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"  # region
    rf"(?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*"  # variants
    rf"(?:-[a-wyz0-9](?:-{_ALNUM}{{2,8}})+)*"  # extensions
    rf"(?:-x(?:-{_ALNUM}{{1,8}})+)?"  # private use
)
_GRANDFATHERED = (
    "en-gb-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo"
    "|i-pwn|i-tao|i-tay|i-tsu|sgn-be-fr|sgn-be-nl|sgn-ch-de|art-lojban|cel-gaulish"
    "|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang"
)
_BCP47 = re.compile(
    rf"(?:{_LANGTAG}|x(?:-{_ALNUM}{{1,8}})+|{_GRANDFATHERED})", re.IGNORECASE | re.ASCII
)


def is_language_tag(text: str) -> bool:
    """Whether ``text`` is a well-formed BCP 47 language tag (en, en-GB, zh-Hant-TW)."""
    return _BCP47.fullmatch(text) is not None


def http_url_problem(url: str) -> str | None:
    """Why ``url`` is not an absolute http(s) URL (links from site.yaml must be)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{quoted(url)} must be an absolute http(s) URL, e.g. https://example.org/"
    return None


def base_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a base URL, or None when it is absolute and ends with '/'."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"'{url}' must be an absolute http(s) URL, e.g. https://example.org/product/"
    if not url.endswith("/"):
        return f"'{url}' must end with '/', e.g. {url}/"
    return None


def read_config(
    data: YamlMap | None, source: str, errors: ErrorList, base_url: str | None = None
) -> SiteConfig:
    """The SiteConfig from site.yaml; ``base_url`` (from --base-url) overrides the file's."""
    if data is None:
        return SiteConfig(title="", source=source)
    fields = FieldReader(data, source, errors, SITE_KEYS)
    config = SiteConfig(
        title=fields.text("title", required=True),
        description=fields.text("description"),
        product=fields.text("product"),
        base_url=fields.text("base_url"),
        language=fields.text("language") or "en",
        repo_url=fields.text("repo_url"),
        source=source,
        versioning=fields.choice("versioning", SCHEMES) or "semver",
    )
    if not is_language_tag(config.language):
        fields.error(
            "language",
            f"{quoted(config.language)} is not a BCP 47 language tag;"
            " write one such as en, en-GB, pt-BR or zh-Hant",
        )
        config.language = "en"
    if config.base_url and (problem := base_url_problem(config.base_url)):
        fields.error("base_url", problem)
    if config.repo_url and (problem := http_url_problem(config.repo_url)):
        fields.error("repo_url", problem)
        config.repo_url = ""
    feed_limit = fields.integer("feed_limit")
    if feed_limit is not None:
        if feed_limit < 0:
            fields.error("feed_limit", f"must be 0 (every entry) or more, got {feed_limit}")
        else:
            config.feed_limit = feed_limit
    markdown = fields.mapping("markdown")
    if markdown is not None:
        options = FieldReader(markdown, source, errors, MARKDOWN_KEYS, prefix="markdown: ")
        config.unsafe_html = options.boolean("unsafe_html")
        options.finish()
    changelog = fields.mapping("changelog")
    if changelog is not None:
        _read_changelog(
            FieldReader(changelog, source, errors, CHANGELOG_KEYS, "changelog: "), config
        )
    fields.finish()
    if base_url is not None:
        config.base_url = base_url
    return config


def _read_changelog(fields: FieldReader, config: SiteConfig) -> None:
    """``changelog: {categories: [...], aliases: {...}}``.

    ``categories``: each entry a key (``performance``) or ``{key, label}``; the six
    Keep a Changelog categories not listed come first, in their order, then the listed
    ones in the order given (listing a standard key moves it there or relabels it).
    ``aliases``: ``{"Section heading": key}``, the key a category's, ``breaking`` or
    ``highlights``."""
    declared: list[Category] = []
    for index, (entry, line) in enumerate(fields.items("categories")):
        if isinstance(entry, YamlMap):
            inner = FieldReader(
                entry,
                fields.source,
                fields.errors,
                CATEGORY_KEYS,
                f"changelog: categories item {index + 1}: ",
            )
            key, label = inner.text("key", required=True), inner.text("label")
            inner.finish()
        elif isinstance(entry, str):
            key, label = entry.strip(), ""
        else:
            fields.error(
                "categories", f"each entry is a key or {{key, label}}, got {describe(entry)}", line
            )
            continue
        if not key:
            continue
        if not KEY_PATTERN.match(key) or key != key.lower():
            fields.error(
                "categories",
                f"{quoted(key)} cannot be a category key: use lower-case letters, digits and '-'",
                line,
            )
            continue
        if key in NOTE_FIELDS:
            fields.error(
                "categories",
                f"{quoted(key)} is a release field, not a category; remove it from the list",
                line,
            )
            continue
        if any(category.key == key for category in declared):
            fields.error("categories", f"{quoted(key)} is listed twice", line)
            continue
        standard = (
            key.capitalize() if key in CHANGE_CATEGORIES else key.replace("-", " ").capitalize()
        )
        declared.append(Category(key, label or standard))
    listed = {category.key for category in declared}
    first = [c for c in config.categories if c.key not in listed]
    config.categories = (*first, *declared)
    keys = [category.key for category in config.categories]
    aliases = fields.mapping("aliases")
    if aliases is not None:
        for heading, target in aliases.items():
            name = heading_key(str(heading))
            line = aliases.line_of(heading)
            if not isinstance(target, str) or target.strip() not in (*keys, *NOTE_FIELDS):
                shown = target if isinstance(target, str) else describe(target)
                hint = did_you_mean(str(shown), [*keys, *NOTE_FIELDS])
                fields.error(
                    f"aliases: {heading}",
                    f"{quoted(shown)} is not a category{hint}; use one of"
                    f" {', '.join([*keys, *NOTE_FIELDS])}",
                    line,
                )
            elif not name:
                fields.error(f"aliases: {heading}", "a heading needs letters or digits", line)
            else:
                config.aliases[name] = target.strip()
    fields.finish()

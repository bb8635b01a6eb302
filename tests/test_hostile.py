"""A catalogue of broken and hostile content, and what pmsite must say about each.

Every case is a small site written into a temp folder plus the exact ``file:line: message``
line the user must see; the legitimate oddities (BOM, CRLF, unicode names, script in every
field) must build, and their output is checked. Most cases run in-process through the
real loader; a representative share also runs through the real CLI, which must exit 1
with no traceback and leave the previous output byte for byte as it was.
"""

from __future__ import annotations

import html.parser
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import unicodedata
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pmsite.build import load_site

from .conftest import FIXTURES, MakeSite, errors_of, goal, load, run_pmsite, write_files
from .sitecheck import broken_links, tree_bytes

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
PNG = (HOSTILE / "pixel.png").read_bytes()
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

Setup = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    """One hostile input: files to write (or a setup), and the exact error line expected."""

    id: str
    files: dict[str, str | bytes]
    expected: str
    setup: Setup | None = None
    cli: bool = False  # also run through the real CLI, over a previous good build
    more: tuple[str, ...] = field(default=())  # further lines that must be reported too


def fm(*lines: str, body: str = "Body.\n") -> str:
    """A Markdown file with front matter made of ``lines``."""
    return "---\n" + "\n".join(lines) + "\n---\n" + body


def _nest(opening: str, closing: str, depth: int) -> str:
    return opening * depth + "x" + closing * depth


def _indented_maps(depth: int) -> str:
    return "".join(" " * level + "a:\n" for level in range(depth)) + " " * depth + "b\n"


def _billion_laughs() -> str:
    text = "title: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        text += f"k{level}: &a{level} [{refs}]\n"
    return text


def _symlink(link: str, target: str | Path) -> Setup:
    def make(site: Path) -> None:
        path = site / link
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target if isinstance(target, str) else site / target)

    return make


def _outside_file(site: Path) -> None:
    secret = site.parent / "secret.md"
    secret.write_text(goal("Secret"), encoding="utf-8")
    (site / "content/goals").mkdir(parents=True, exist_ok=True)
    (site / "content/goals/leak.md").symlink_to(secret)


def _outside_folder(name: str) -> Setup:
    def make(site: Path) -> None:
        elsewhere = site.parent / "elsewhere"
        write_files(elsewhere, {"x.md": goal("Elsewhere")})
        target = site / name
        if target.is_dir():
            shutil.rmtree(target)  # replace the real folder by the link
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(elsewhere, target_is_directory=True)

    return make


def _outside_site_yaml(site: Path) -> None:
    secret = site.parent / "secret.yaml"
    secret.write_text("title: Secret\n", encoding="utf-8")
    (site / "content/site.yaml").unlink()
    (site / "content/site.yaml").symlink_to(secret)


def _fifo(name: str) -> Setup:
    def make(site: Path) -> None:
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path)

    return make


def _unix_socket(site: Path) -> None:
    folder = site / "content/goals"
    folder.mkdir(parents=True, exist_ok=True)
    here = Path.cwd()
    os.chdir(folder)  # a socket path must be short; bind relative to the folder
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind("s.md")
    finally:
        os.chdir(here)


def _two_step_loop(site: Path) -> None:
    _symlink("content/goals/a.md", "b.md")(site)
    _symlink("content/goals/b.md", "a.md")(site)


def _fifo_site_yaml(site: Path) -> None:
    _no_site_yaml(site)
    _fifo("content/site.yaml")(site)


def _raw_name(name: bytes) -> Setup:
    def make(site: Path) -> None:
        folder = os.fsencode(site / "content/goals")
        os.makedirs(folder, exist_ok=True)
        with open(folder + b"/" + name, "wb") as file:
            file.write(goal().encode())

    return make


def _site_yaml_folder(site: Path) -> None:
    (site / "content/site.yaml").unlink()
    (site / "content/site.yaml").mkdir()


def _no_site_yaml(site: Path) -> None:
    (site / "content/site.yaml").unlink()


GOAL_KNOWN = "title, summary, tags, draft, status, horizon, target, theme, owner, priority, metrics"

CASES: list[Case] = [
    # --- YAML syntax errors -------------------------------------------------------------
    Case(
        "yaml-unclosed-flow-list",
        {"content/goals/a.md": fm("title: A", "status: [planned")},
        "content/goals/a.md:4: YAML syntax error: did not find expected ',' or ']'"
        " (while parsing a flow sequence)",
        cli=True,
    ),
    Case(
        "yaml-unclosed-quote",
        {"content/goals/a.md": fm('title: "A', "status: done")},
        "content/goals/a.md:3: YAML syntax error: found unexpected end of stream"
        " (while scanning a quoted scalar)",
    ),
    Case(
        "yaml-mapping-in-plain-value",
        {"content/goals/a.md": fm("title: Fix: the bug", "status: done")},
        "content/goals/a.md:2: title: text with ': ' in it must be put in quotes,"
        ' e.g. title: "Fix: the bug"',
        cli=True,
    ),
    Case(
        "yaml-bad-indentation",
        {"content/goals/a.md": fm("title: A", "  status: done")},
        "content/goals/a.md:3: YAML syntax error: mapping values are not allowed in this context;"
        " this line is indented more than the field above it: line them up",
    ),
    Case(
        "yaml-stray-closing-bracket",
        {"content/releases/r.yaml": "version: 1.0.0\ngoals: [a, b]]\ndate: 2026-01-01\n"},
        "content/releases/r.yaml:2: YAML syntax error: did not find expected key"
        " (while parsing a block mapping)",
    ),
    Case(
        "yaml-backtick-start",
        {"content/goals/a.md": fm("title: A", "status: done", "summary: `code` first")},
        "content/goals/a.md:4: YAML syntax error: found character that cannot start any token"
        " (while scanning for the next token); text that starts with ` must be put in quotes",
    ),
    Case(
        "yaml-at-sign-start",
        {"content/goals/a.md": fm("title: A", "status: done", "owner: @dana")},
        "content/goals/a.md:4: YAML syntax error: found character that cannot start any token"
        " (while scanning for the next token); text that starts with @ must be put in quotes",
    ),
    Case(
        "yaml-tab-indentation",
        {"content/goals/a.md": fm("title: A", "status: done", "tags:", "\t- x")},
        "content/goals/a.md:5: YAML syntax error: found character that cannot start any token"
        " (while scanning for the next token); YAML does not allow tabs for indentation,"
        " use spaces",
        cli=True,
    ),
    Case(
        "yaml-duplicate-key",
        {"content/goals/a.md": fm("title: A", "status: planned", "status: done")},
        "content/goals/a.md:4: duplicate key 'status' (first at line 3)",
        cli=True,
    ),
    Case(
        "yaml-duplicate-nested-key",
        {
            "content/metrics/m.yaml": (
                "name: M\npoints:\n  - date: 2026-01-01\n    value: 1\n    value: 2\n"
            )
        },
        "content/metrics/m.yaml:5: duplicate key 'value' (first at line 4)",
    ),
    Case(
        "yaml-two-documents",
        {"content/goals/a.yaml": "title: A\nstatus: done\n---\ntitle: B\n"},
        "content/goals/a.yaml:3: expected one YAML document, but found a second one ('---')",
    ),
    Case(
        "yaml-unknown-alias",
        {"content/goals/a.md": fm("title: *name", "status: done")},
        "content/goals/a.md:2: unknown alias '*name'",
    ),
    Case(
        "yaml-alias-to-itself",
        {"content/goals/a.md": fm("title: A", "status: done", "tags: &t [a, *t]")},
        "content/goals/a.md:4: unknown alias '*t'",
    ),
    Case(
        "yaml-merge-key",
        {"content/goals/a.yaml": "base: &b {title: A}\n<<: *b\nstatus: done\n"},
        "content/goals/a.yaml:2: YAML merge keys ('<<') are not supported",
    ),
    Case(
        "yaml-key-not-text",
        {"content/goals/a.yaml": "? [title]\n: A\nstatus: done\n"},
        "content/goals/a.yaml:1: a key must be plain text",
    ),
    Case(
        "yaml-raw-control-character",
        {"content/goals/a.md": fm("title: A\x01", "status: done")},
        "content/goals/a.md:2: YAML does not allow the character U+0001; remove it",
    ),
    Case(
        "yaml-escaped-nul-in-title",
        {"content/goals/a.md": fm('title: "A\\0B"', "status: done")},
        "content/goals/a.md:2: text contains the control character U+0000; remove it",
        cli=True,
    ),
    Case(
        "yaml-number-too-long",
        {"content/goals/a.md": fm("title: A", "status: done", "priority: " + "9" * 5000)},
        "content/goals/a.md:4: invalid value '" + "9" * 57 + "...': too many digits for a number",
    ),
    Case(
        "yaml-impossible-date",
        {"content/reflections/r.md": fm("title: R", "date: 2026-13-01")},
        "content/reflections/r.md:3: date: '2026-13-01' is not a date (month must be in 1..12);"
        " write it as YYYY-MM-DD",
    ),
    # --- tags that construct objects -------------------------------------------------------
    Case(
        "tag-python-object-apply",
        {
            "content/goals/a.md": fm(
                "title: !!python/object/apply:os.system ['touch pwned']", "status: done"
            )
        },
        "content/goals/a.md:2: YAML tag '!!python/object/apply:os.system' is not allowed here",
        cli=True,
    ),
    Case(
        "tag-python-name",
        {"content/goals/a.md": fm("title: A", "status: !!python/name:os.system")},
        "content/goals/a.md:3: YAML tag '!!python/name:os.system' is not allowed here",
    ),
    Case(
        "tag-python-object-mapping",
        {"content/site.yaml": "title: !!python/object:pmsite.model.Site {}\n"},
        "content/site.yaml:1: YAML tag '!!python/object:pmsite.model.Site' is not allowed here",
    ),
    Case(
        "tag-on-a-key",
        {"content/goals/a.yaml": "!!python/name:os.system title: A\nstatus: done\n"},
        "content/goals/a.yaml:1: YAML tag '!!python/name:os.system' is not allowed here",
    ),
    Case(
        "tag-binary-and-set",
        {"content/goals/a.md": fm("title: !!binary aGk=", "status: done")},
        "content/goals/a.md:2: YAML tag '!!binary' is not allowed here",
    ),
    # --- size, depth and alias bombs ------------------------------------------------------
    Case(
        "deep-flow-lists-10000",
        {"content/goals/a.md": fm("title: A", "status: done", "tags: " + _nest("[", "]", 10_000))},
        "content/goals/a.md:4: YAML nested deeper than 64 levels",
        cli=True,
    ),
    Case(
        "deep-flow-mappings-10000",
        {"content/goals/a.yaml": "title: A\nstatus: done\nx: " + _nest("{a: ", "}", 10_000)},
        "content/goals/a.yaml:3: YAML nested deeper than 64 levels",
    ),
    Case(
        "deep-block-lists-100000",
        {"content/goals/a.yaml": "title: A\nstatus: done\nx:\n" + "- " * 100_000 + "x\n"},
        "content/goals/a.yaml:4: YAML nested deeper than 64 levels",
    ),
    Case(
        "deep-indented-mappings-2000",
        {"content/metrics/m.yaml": "name: M\n" + _indented_maps(2000)},
        "content/metrics/m.yaml:67: YAML nested deeper than 64 levels",
    ),
    Case(
        "billion-laughs",
        {"content/goals/a.yaml": _billion_laughs()},
        "content/goals/a.yaml:6: YAML too large: more than 100000 values (are aliases expanding?)",
        cli=True,
    ),
    # --- wrong types everywhere -----------------------------------------------------------
    Case(
        "type-status-list",
        {"content/goals/a.md": fm("title: A", "status: [planned]")},
        "content/goals/a.md:3: status: must be text, got a list (put it in quotes)",
    ),
    Case(
        "type-title-mapping",
        {"content/goals/a.md": fm("title: {a: 1}", "status: done")},
        "content/goals/a.md:2: title: must be text, got a mapping (put it in quotes)",
        cli=True,
    ),
    Case(
        "type-title-bool",
        {"content/pages/p.md": fm("title: yes")},
        "content/pages/p.md:2: title: must be text, got true/false",
    ),
    Case(
        "type-priority-float",
        {"content/goals/a.md": fm("title: A", "status: done", "priority: 1.5")},
        "content/goals/a.md:4: priority: must be a whole number, got a number",
    ),
    Case(
        "type-draft-quoted",
        {"content/goals/a.md": fm("title: A", "status: done", "draft: 'true'")},
        "content/goals/a.md:4: draft: must be true or false, got text",
    ),
    Case(
        "type-tags-number",
        {"content/goals/a.md": fm("title: A", "status: done", "tags: 5")},
        "content/goals/a.md:4: tags: each entry must be text, got a whole number",
    ),
    Case(
        "type-highlights-mapping",
        {"content/releases/r.md": fm("version: 1.0.0", "date: 2026-01-01", "highlights: {a: b}")},
        "content/releases/r.md:4: highlights: must be a list, got a mapping",
    ),
    Case(
        "type-change-notes-mapping",
        {
            "content/releases/r.yaml": (
                "version: 1.0.0\ndate: 2026-01-01\nchanges:\n  added:\n    - {a: b}\n"
            )
        },
        "content/releases/r.yaml:5: changes: added: each entry must be text, got a mapping"
        " (text with ': ' in it reads as a mapping: put the entry in quotes)",
    ),
    Case(
        "type-date-bool",
        {"content/releases/r.md": fm("version: 1.0.0", "date: true")},
        "content/releases/r.md:3: date: 'True' is not a date; write it as YYYY-MM-DD",
    ),
    Case(
        "type-points-number",
        {"content/metrics/m.yaml": "name: M\npoints: 5\n"},
        "content/metrics/m.yaml:2: points: each point is {date, value}, got a whole number",
    ),
    Case(
        "type-point-value-bool",
        {"content/metrics/m.yaml": "name: M\npoints:\n  - {date: 2026-01-01, value: true}\n"},
        "content/metrics/m.yaml:3: points item 1: value: must be a number, got true/false",
    ),
    Case(
        "type-measure-target-text",
        {"content/goals/a.yaml": "title: A\nstatus: done\nmetrics:\n- name: x\n  target: five\n"},
        "content/goals/a.yaml:5: metrics item 1: target: must be a number, got text",
    ),
    Case(
        "type-site-title-list",
        {"content/site.yaml": "title: [a, b]\n"},
        "content/site.yaml:1: title: must be text, got a list (put it in quotes)",
    ),
    Case(
        "type-site-yaml-is-a-list",
        {"content/site.yaml": "- title: T\n"},
        "content/site.yaml:1: site.yaml must be a YAML mapping of 'key: value' lines",
        cli=True,
    ),
    Case(
        "type-front-matter-is-text",
        {"content/goals/a.md": fm("just some text")},
        "content/goals/a.md:2: front matter must be a YAML mapping of 'key: value' lines",
    ),
    Case(
        "type-body-not-text",
        {"content/goals/a.yaml": "title: A\nstatus: done\nbody: [a]\n"},
        "content/goals/a.yaml:3: body: must be text (Markdown)",
    ),
    # --- empty and half-written files -----------------------------------------------------
    Case(
        "empty-markdown-file",
        {"content/goals/a.md": ""},
        "content/goals/a.md:1: no front matter: the file must start with a '---' line",
        cli=True,
    ),
    Case(
        "whitespace-only-file",
        {"content/pages/p.md": "  \n\n"},
        "content/pages/p.md:1: no front matter: the file must start with a '---' line",
    ),
    Case(
        "empty-yaml-item",
        {"content/goals/a.yaml": ""},
        "content/goals/a.yaml:1: title: missing required field",
        more=("content/goals/a.yaml:1: status: missing required field",),
    ),
    Case(
        "empty-site-yaml",
        {"content/site.yaml": ""},
        "content/site.yaml:1: title: missing required field",
    ),
    Case(
        "empty-front-matter",
        {"content/pages/p.md": "---\n---\n"},
        "content/pages/p.md:2: title: missing required field",
    ),
    Case(
        "front-matter-never-closed",
        {"content/goals/a.md": "---\ntitle: A\nstatus: done\n\nThe body, but no closing line.\n"},
        "content/goals/a.md:1: front matter is never closed: add a '---' line after it",
        cli=True,
    ),
    Case(
        "site-yaml-missing",
        {},
        "content/site.yaml: site.yaml is missing: it needs at least a title",
        setup=_no_site_yaml,
    ),
    Case(
        "site-yaml-is-a-folder",
        {},
        "content/site.yaml: site.yaml is a folder: it must be a YAML file",
        setup=_site_yaml_folder,
    ),
    # --- encodings and binary files -------------------------------------------------------
    Case(
        "latin-1-bytes",
        {"content/goals/a.md": "---\ntitle: Café\nstatus: done\n---\n".encode("latin-1")},
        "content/goals/a.md:2: file is not UTF-8 (byte 0xe9); save it as UTF-8",
        cli=True,
    ),
    Case(
        "utf-16-file",
        {"content/goals/a.md": fm("title: A", "status: done").encode("utf-16")},
        "content/goals/a.md:1: file is UTF-16; save it as UTF-8",
    ),
    Case(
        "nul-byte-in-body",
        {"content/goals/a.md": fm("title: A", "status: done", body="one\ntwo\0three\n").encode()},
        "content/goals/a.md:6: file contains NUL bytes; is it a binary file?",
        cli=True,
    ),
    Case(
        "png-named-md",
        {"content/goals/logo.md": PNG},
        "content/goals/logo.md:3: file contains NUL bytes; is it a binary file?",
    ),
    Case(
        "png-in-goals",
        {"content/goals/logo.png": PNG},
        "content/goals/logo.png: not a content file:"
        " items are .md (Markdown with front matter) or .yaml",
        cli=True,
    ),
    Case(
        "csv-not-utf-8",
        {
            "content/metrics/m.yaml": "name: M\ncsv: m.csv\n",
            "content/metrics/m.csv": b"date,value\n2026-01-01,\xff\n",
        },
        "content/metrics/m.csv:2: file is not UTF-8 (byte 0xff); save it as UTF-8",
    ),
    # --- slugs, versions and tags that try to escape --------------------------------------
    Case(
        "slug-with-dot-dot",
        {"content/goals/a..b.md": goal()},
        "content/goals/a..b.md: file name 'a..b' cannot be a URL slug:"
        " use letters, digits, '-', '_' or '.'",
    ),
    Case(
        "slug-with-backslash",
        {"content/pages/a\\b.md": fm("title: P")},
        "content/pages/a\\b.md: file name 'a\\b' cannot be a URL slug:"
        " use letters, digits, '-', '_' or '.'",
        cli=True,
    ),
    Case(
        "slug-starting-with-dash-dot",
        {"content/goals/-..md": goal()},
        "content/goals/-..md: file name '-.' cannot be a URL slug:"
        " use letters, digits, '-', '_' or '.'",
    ),
    Case(
        "version-with-slashes",
        {"content/releases/r.md": fm("version: 1.0.0/../../../etc", "date: 2026-01-01")},
        "content/releases/r.md:2: version: '1.0.0/../../../etc' is not a SemVer 2.0.0 version"
        " (e.g. 1.4.0 or 2.0.0-rc.1); the site's versioning is semver"
        " (site.yaml: versioning: semver, calver, pep440 or any)",
        cli=True,
    ),
    Case(
        "version-with-backslash",
        {"content/releases/r.md": fm("version: 1.0.0\\..\\x", "date: 2026-01-01")},
        "content/releases/r.md:2: version: '1.0.0\\..\\x' is not a SemVer 2.0.0 version"
        " (e.g. 1.4.0 or 2.0.0-rc.1); the site's versioning is semver"
        " (site.yaml: versioning: semver, calver, pep440 or any)",
    ),
    Case(
        "version-with-nul",
        {"content/releases/r.md": fm('version: "1.0.0\\0"', "date: 2026-01-01")},
        "content/releases/r.md:2: text contains the control character U+0000; remove it",
    ),
    Case(
        "tag-dot-dot",
        {"content/goals/a.md": fm("title: A", "status: done", "tags: ['..']")},
        "content/goals/a.md:4: tags: '..' has no letters or digits",
    ),
    Case(
        "tag-slashes-only",
        {"content/goals/a.md": fm("title: A", "status: done", "tags: ['/\\']")},
        "content/goals/a.md:4: tags: '/\\' has no letters or digits",
    ),
    Case(
        "tag-with-nul",
        {"content/goals/a.md": fm("title: A", "status: done", 'tags: ["a\\0b"]')},
        "content/goals/a.md:4: text contains the control character U+0000; remove it",
    ),
    Case(
        "file-name-with-newline",
        {"content/goals/a\nb.md": goal()},
        "content/goals/a\\nb.md: file name contains control characters: rename it",
        cli=True,
    ),
    Case(
        "file-name-not-utf-8",
        {},
        "content/goals/caf\\xe9.md: file name is not valid UTF-8: rename it",
        setup=_raw_name(b"caf\xe9.md"),
    ),
    Case(
        "names-differ-only-in-case",
        {"content/goals/Foo.md": goal("Upper"), "content/goals/foo.md": goal("Lower")},
        "content/goals/foo.md:2: duplicate goal slug 'foo': also used by content/goals/Foo.md",
        cli=True,
    ),
    Case(
        "names-differ-only-in-unicode-normal-form",
        {
            "content/pages/" + unicodedata.normalize("NFC", "café") + ".md": fm("title: A"),
            "content/pages/" + unicodedata.normalize("NFD", "café") + ".md": fm("title: B"),
        },
        "content/pages/" + unicodedata.normalize("NFC", "café") + ".md:2:"
        " duplicate page slug 'café': also used by content/pages/"
        + unicodedata.normalize("NFD", "café")
        + ".md",
    ),
    # --- symlinks, special files, permissions ---------------------------------------------
    Case(
        "symlink-file-outside-content",
        {},
        "content/goals/leak.md: symlink points outside content/: not read",
        setup=_outside_file,
        cli=True,
    ),
    Case(
        "symlink-absolute-to-etc",
        {},
        "content/pages/passwd.md: symlink points outside content/: not read",
        setup=_symlink("content/pages/passwd.md", "/etc/passwd"),
    ),
    Case(
        "symlink-folder-outside-content",
        {},
        "content/goals/more: symlink points outside content/: not read",
        setup=_outside_folder("content/goals/more"),
    ),
    Case(
        "symlink-kind-folder-outside-content",
        {},
        "content/goals: symlink points outside content/: not read",
        setup=_outside_folder("content/goals"),
        cli=True,
    ),
    Case(
        "symlink-site-yaml-outside-content",
        {},
        "content/site.yaml: symlink points outside content/: not read",
        setup=_outside_site_yaml,
    ),
    Case(
        "symlink-loop",
        {},
        "content/goals/loop.md: symlink loop: not read",
        setup=_symlink("content/goals/loop.md", "loop.md"),
        cli=True,
    ),
    Case(
        "symlink-two-step-loop",
        {},
        "content/goals/a.md: symlink loop: not read",
        setup=_two_step_loop,
        more=("content/goals/b.md: symlink loop: not read",),
    ),
    Case(
        "symlink-broken",
        {},
        "content/goals/gone.md: broken symlink (its target does not exist): not read",
        setup=_symlink("content/goals/gone.md", "nowhere.md"),
    ),
    Case(
        "fifo-named-like-an-item",
        {},
        "content/goals/pipe.md: not a regular file (a pipe, socket or device): not read",
        setup=_fifo("content/goals/pipe.md"),
        cli=True,
    ),
    Case(
        "fifo-in-static",
        {},
        "content/static/pipe.txt: not a regular file (a pipe, socket or device): not read",
        setup=_fifo("content/static/pipe.txt"),
    ),
    Case(
        "socket-named-like-an-item",
        {},
        "content/goals/s.md: not a regular file (a pipe, socket or device): not read",
        setup=_unix_socket,
    ),
    Case(
        "fifo-as-site-yaml",
        {},
        "content/site.yaml: not a regular file (a pipe, socket or device): not read",
        setup=_fifo_site_yaml,
    ),
]

CASE_IDS = [case.id for case in CASES]
assert len(set(CASE_IDS)) == len(CASE_IDS), "every case needs an id of its own"
CLI_CASES = [case for case in CASES if case.cli]
# Through the CLI, one case of each sort also runs in the fast loop (-m "not slow").
FAST_CLI_CASES = {
    "yaml-unclosed-flow-list",
    "billion-laughs",
    "latin-1-bytes",
    "symlink-file-outside-content",
}


def make_case_site(make_site: MakeSite, case: Case) -> Path:
    site = make_site(case.files)
    if case.setup is not None:
        case.setup(site)
    return site


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_hostile_content_is_reported(make_site: MakeSite, case: Case) -> None:
    site = make_case_site(make_site, case)
    messages = errors_of(site)
    for expected in (case.expected, *case.more):
        assert expected in messages, messages
    for message in messages:
        assert "\n" not in message and len(message) < 400, message


GOOD_GOAL = fm("title: Good goal", "status: in-progress", body="Still here.\n")


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, id=case.id, marks=() if case.id in FAST_CLI_CASES else pytest.mark.slow)
        for case in CLI_CASES
    ],
)
def test_cli_refuses_and_keeps_previous_output(make_site: MakeSite, case: Case) -> None:
    site = make_site({"content/goals/good.md": GOOD_GOAL})
    first = run_pmsite("build", "--site", site)
    assert first.returncode == 0, first.stderr
    before = tree_bytes(site / "output")
    write_files(site, case.files)
    if case.setup is not None:
        case.setup(site)
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert case.expected in lines, result.stderr
    assert lines[-1].endswith(" found; nothing was written."), result.stderr
    assert result.stdout == ""
    assert tree_bytes(site / "output") == before


# --- the size limit ------------------------------------------------------------------------


@pytest.mark.slow  # writes a 50 MB file
def test_a_50_mb_file_is_refused_by_the_cli(make_site: MakeSite) -> None:
    site = make_site({"content/goals/good.md": GOOD_GOAL})
    assert run_pmsite("build", "--site", site).returncode == 0
    before = tree_bytes(site / "output")
    line = b"All work and no play makes a very long release note.\n"  # 52 bytes
    with (site / "content/goals/huge.md").open("wb") as file:
        file.write(b"---\ntitle: Huge\nstatus: done\n---\n")
        file.write(line * (50 * 1024 * 1024 // len(line)))
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        "content/goals/huge.md: file is too large (50 MB); the limit is 10 MB"
        " (set the environment variable PMSITE_MAX_FILE_MB to change it)"
    ) in result.stderr.splitlines()
    assert tree_bytes(site / "output") == before


def test_the_size_limit_comes_from_the_environment(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    padding = "x" * 20_000
    site = make_site({"content/goals/a.md": fm("title: A", "status: done", body=padding)})
    monkeypatch.setenv("PMSITE_MAX_FILE_MB", "0.01")
    assert errors_of(site) == [
        "content/goals/a.md: file is too large (19.6 KB); the limit is 10.2 KB"
        " (set the environment variable PMSITE_MAX_FILE_MB to change it)"
    ]
    monkeypatch.setenv("PMSITE_MAX_FILE_MB", "1")
    assert load_site(site)[0].goals[0].title == "A"


@pytest.mark.parametrize("setting", ["lots", "0", "-5", "nan", "inf"])
def test_a_bad_size_limit_setting_is_a_usage_error(make_site: MakeSite, setting: str) -> None:
    site = make_site({"content/goals/a.md": goal()})
    env = {**os.environ, "PMSITE_MAX_FILE_MB": setting}
    result = subprocess.run(
        [sys.executable, "-m", "pmsite", "build", "--site", str(site)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        "pmsite: error: PMSITE_MAX_FILE_MB must be a positive number of megabytes, e.g. 50;"
        f" got {setting!r}\n"
    )
    assert not (site / "output").exists()


# --- permissions ---------------------------------------------------------------------------

# Root reads chmod 000 files anyway; without these two capabilities it is refused too.
DROP_DAC = "-dac_override,-dac_read_search"
UNPRIVILEGED = ["setpriv", f"--inh-caps={DROP_DAC}", f"--bounding-set={DROP_DAC}"]


def run_unprivileged(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The real CLI, without root's power to read any file (as root: through setpriv)."""
    command = [sys.executable, "-m", "pmsite", *map(str, args)]
    if IS_ROOT:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: chmod 000 stays readable to root")
        probe = subprocess.run([*UNPRIVILEGED, "true"], capture_output=True, text=True)
        if probe.returncode != 0:
            pytest.skip(f"running as root and cannot drop capabilities: {probe.stderr.strip()}")
        command = [*UNPRIVILEGED, *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_unreadable_file_and_folder_are_reported(make_site: MakeSite) -> None:
    site = make_site({"content/goals/good.md": GOOD_GOAL})
    assert run_pmsite("build", "--site", site).returncode == 0
    before = tree_bytes(site / "output")
    write_files(site, {"content/goals/a.md": goal(), "content/goals/private/b.md": goal()})
    locked = [site / "content/goals/a.md", site / "content/goals/private"]
    for path in locked:
        path.chmod(0)
    try:
        result = run_unprivileged("build", "--site", site)
    finally:
        for path in locked:
            path.chmod(0o755)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "content/goals/a.md: cannot read file: Permission denied",
        "content/goals/private: cannot read folder: Permission denied",
        "2 errors found; nothing was written.",
    ]
    assert tree_bytes(site / "output") == before


def test_permission_denied_on_a_file_is_reported(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same as a chmod 000 file, simulated so that it also runs as root."""
    site = make_site({"content/goals/a.md": goal(), "content/goals/b.md": goal()})
    real_open = os.open

    def refusing_open(path: str | Path, flags: int, *args: int, **kwargs: object) -> int:
        if Path(path).name == "a.md":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    assert errors_of(site) == ["content/goals/a.md: cannot read file: Permission denied"]


def test_permission_denied_on_a_folder_is_reported(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same as a chmod 000 folder, simulated so that it also runs as root."""
    site = make_site({"content/goals/private/a.md": goal(), "content/goals/b.md": goal()})
    real_scandir = os.scandir

    def refusing_scandir(path: str | Path = ".") -> object:
        if Path(path).name == "private":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", refusing_scandir)
    assert errors_of(site) == ["content/goals/private: cannot read folder: Permission denied"]


# --- legitimate oddities that must build ---------------------------------------------------


def _crlf(text: bytes) -> bytes:
    return text.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@pytest.mark.parametrize(
    "convert",
    [
        # The fast loop (-m "not slow") runs bom-and-crlf only.
        pytest.param(_crlf, id="crlf", marks=pytest.mark.slow),
        pytest.param(lambda text: b"\xef\xbb\xbf" + text, id="bom", marks=pytest.mark.slow),
        pytest.param(lambda text: b"\xef\xbb\xbf" + _crlf(text), id="bom-and-crlf"),
        pytest.param(
            lambda text: text.replace(b"\n", b"\r"), id="old-mac-cr", marks=pytest.mark.slow
        ),
    ],
)
def test_line_endings_and_bom_give_the_same_site(
    tmp_path: Path, convert: Callable[[bytes], bytes]
) -> None:
    """Every content file of the fixture site converted: byte-identical output."""
    plain = tmp_path / "plain"
    shutil.copytree(FIXTURES / "basic", plain)
    converted = tmp_path / "converted"
    shutil.copytree(FIXTURES / "basic", converted)
    changed = 0
    for path in sorted((converted / "content").rglob("*")):
        if path.is_file() and "static" not in path.parts:
            path.write_bytes(convert(path.read_bytes()))
            changed += 1
    assert changed > 10
    for site in (plain, converted):
        result = run_pmsite("build", "--site", site)
        assert result.returncode == 0, result.stderr
    assert tree_bytes(converted / "output") == tree_bytes(plain / "output")


def test_unicode_file_names_build(make_site: MakeSite) -> None:
    names = ["café", "日本語", "Ünïcödé", unicodedata.normalize("NFD", "naïve")]
    files: dict[str, str | bytes] = {
        f"content/goals/{name}.md": goal(f"Goal {name}", "in-progress", tags="[Ελληνικά]")
        for name in names
    }
    files["content/pages/über.md"] = fm("title: Über")
    site = make_site(files)
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 0, result.stderr
    output = site / "output"
    # Slugs are lower case and NFC; titles stay as written.
    slugs = ["café", "日本語", "ünïcödé", "naïve"]
    for slug, name in zip(slugs, names, strict=True):
        page = output / "goals" / slug / "index.html"
        assert page.is_file(), sorted(p.name for p in (output / "goals").iterdir())
        assert f"<h1>Goal {name}</h1>" in page.read_text(encoding="utf-8")
    assert (output / "über/index.html").is_file()
    assert (output / "tags/ελληνικά/index.html").is_file()
    assert broken_links(output) == []


def test_a_file_with_only_front_matter_builds(make_site: MakeSite) -> None:
    site = make_site({"content/pages/about.md": "---\ntitle: About\n---"})
    page = load(site).pages[0]
    assert (page.title, page.body.html) == ("About", "")


def test_a_symlink_to_a_folder_inside_content_is_not_followed(make_site: MakeSite) -> None:
    """A link back up would be a loop: the build goes on, with a warning."""
    site = make_site({"content/goals/a.md": goal()})
    (site / "content/goals/up").symlink_to("..", target_is_directory=True)
    loaded, _, found = load_site(site)
    assert [g.slug for g in loaded.goals] == ["a"]
    assert [str(w) for w in found.warnings] == [
        "content/goals/up: symlink to a folder: not followed"
    ]


@pytest.mark.slow  # 1500 folders made and removed
def test_folders_nested_1500_deep_are_read() -> None:
    """No RecursionError from walking the folders (os.walk recurses once per level)."""
    # Outside pytest's tmp_path: its clean-up (shutil.rmtree) recurses per level too, so
    # a tree left behind by an interrupted run would break every later session.
    site = Path(tempfile.mkdtemp(prefix="pmsite-deep-"))
    write_files(site, {"content/site.yaml": "title: Deep\n"})
    top = folder = site / "content/goals"
    top.mkdir()
    try:
        for _ in range(1500):
            (folder / "d").mkdir()
            folder = folder / "d"
        (folder / "deep.md").write_text(goal("Deep"), encoding="utf-8")
        assert [g.title for g in load(site).goals] == ["Deep"]
    finally:
        (folder / "deep.md").unlink(missing_ok=True)
        while folder != top:  # bottom-up, one level at a time
            folder.rmdir()
            folder = folder.parent
        shutil.rmtree(site)


def test_a_folder_named_like_a_file_is_just_a_folder(make_site: MakeSite) -> None:
    site = make_site({"content/goals/x.md/inner.md": goal("Inner")})
    assert [g.slug for g in load(site).goals] == ["inner"]


def test_tags_with_path_tricks_stay_inside_the_output(make_site: MakeSite) -> None:
    # ('a/b' and 'a\\b' would share tags/a-b/: an error since issue 16, so 'a\\c' here.)
    tags = "['../../etc', 'a/b', 'a\\c', '..%2fx', '~root', 'C:\\Windows']"
    site = make_site({"content/goals/a.md": goal(tags=tags)})
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in (site / "output/tags").iterdir() if p.is_dir())
    assert written == ["2fx", "a-b", "a-c", "c-windows", "etc", "root"]
    outside = sorted(p.name for p in site.parent.iterdir())
    assert outside == ["site"]
    assert sorted(p.name for p in site.iterdir() if not p.name.startswith(".")) == [
        "content",
        "output",
    ]


EVIL = (
    "<script>alert(1)</script><img src=x onerror=alert(2)>\"'><svg onload=alert(3)>"
    " {{ 1337 * 1000 }} {% raw %}"
)
EVIL_MD = EVIL + " [a](javascript:alert(4)) ![b](data:text/html;base64,PHNjcmlwdD4=)"


def _q(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text)


def evil_site_files() -> dict[str, str | bytes]:
    """Every text field of every content kind holding script, HTML and template syntax."""
    e, m = _q(EVIL), _q(EVIL_MD)
    return {
        "content/site.yaml": (
            f"title: {e}\ndescription: {e}\nproduct: {e}\nbase_url: https://example.org/\n"
        ),
        "content/goals/g.md": fm(
            f"title: {e}",
            "status: in-progress",
            f"summary: {e}",
            f"tags: [{e}]",
            f"theme: {e}",
            f"owner: {e}",
            "target: 2027-Q1",
            "metrics:",
            f"  - {{name: {e}, unit: {e}, baseline: 0, current: 1, target: 3}}",
            "  - {metric: m, target: 5}",
            body=EVIL_MD + "\n",
        ),
        "content/releases/r.md": fm(
            "version: 1.0.0",
            f"title: {e}",
            "date: 2026-01-01",
            f"summary: {e}",
            f"highlights: [{m}]",
            f"breaking: [{m}]",
            f"changes: {{added: [{m}], fixed: [{m}], security: [{m}]}}",
            "goals: [g]",
            body=EVIL_MD + "\n",
        ),
        "content/releases/p.md": fm(
            "version: 2.0.0", f"title: {e}", "status: planned", "target: 2027-H1"
        ),
        "content/reflections/f.md": fm(
            f"title: {e}",
            "date: 2026-01-02",
            f"summary: {e}",
            f"wins: [{m}]",
            f"setbacks: [{m}]",
            f"learnings: [{m}]",
            f"next: [{m}]",
            "goals: [g]",
            "releases: [1.0.0]",
            body=EVIL_MD + "\n",
        ),
        "content/metrics/m.yaml": (
            f"name: {e}\nunit: {e}\ndescription: {m}\nsummary: {e}\npoints:\n"
            "  - {date: 2026-01-01, value: 1}\n  - {date: 2026-02-01, value: 2}\n"
        ),
        "content/pages/p.md": fm(f"title: {e}", f"summary: {e}", body=EVIL_MD + "\n"),
    }


_C0_AND_SPACE = "".join(map(chr, range(0x21)))


class _DangerFinder(html.parser.HTMLParser):
    """Collects anything in an HTML document that would run script or load a bad URL."""

    URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "srcset"})
    BAD_TAGS = frozenset({"iframe", "object", "embed", "base", "frame", "applet"})

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BAD_TAGS:
            self.problems.append(f"<{tag}>")
        if tag == "script":
            self._in_script = True
            src = dict(attrs).get("src") or ""
            if src and not src.endswith(".js"):
                self.problems.append(f"<script src={src!r}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in self.URL_ATTRIBUTES and value is not None:
                # What a browser does first (WHATWG URL): strip the ends, drop tabs and
                # newlines anywhere; spaces inside a scheme make it no scheme at all.
                squeezed = re.sub("[\t\n\r]", "", value.strip(_C0_AND_SPACE)).lower()
                if squeezed.startswith(("javascript:", "data:", "vbscript:")):
                    self.problems.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert" in data:
            self.problems.append(f"script text {data[:40]!r}")


def dangers(markup: str) -> list[str]:
    finder = _DangerFinder()
    finder.feed(markup)
    finder.close()
    return finder.problems


def output_dangers(output: Path) -> list[str]:
    """Dangers in every page, and in every HTML fragment the feeds carry."""
    problems = []
    for path in sorted(output.rglob("*")):
        shown = path.relative_to(output).as_posix()
        if path.suffix == ".html":
            problems += [f"{shown}: {d}" for d in dangers(path.read_text(encoding="utf-8"))]
        elif path.suffix == ".xml":
            for element in ElementTree.parse(path).iter():
                if element.get("type") in ("html", "xhtml") and element.text:
                    problems += [f"{shown}: {d}" for d in dangers(element.text)]
        elif path.name.startswith("feed") and path.suffix == ".json":
            for entry in json.loads(path.read_text(encoding="utf-8"))["items"]:
                problems += [f"{shown}: {d}" for d in dangers(entry.get("content_html", ""))]
    return problems


def test_script_in_every_text_field_is_escaped(make_site: MakeSite) -> None:
    site = make_site(evil_site_files())
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 0, result.stderr
    output = site / "output"
    assert output_dangers(output) == []
    texts = [text.decode("utf-8", "replace") for text in tree_bytes(output).values()]
    assert not any("1337000" in text for text in texts), "template syntax must stay text"
    goal_page = (output / "goals/g/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in goal_page  # shown, as text
    assert "{{ 1337 * 1000 }}" in goal_page


def test_the_danger_finder_finds_danger() -> None:
    """The check above would notice script if the escaping ever broke."""
    assert dangers('<p><script>alert(1)</script><a href=" JaVa\tScript:x">a</a></p>') == [
        "script text 'alert(1)'",
        "<a href=' JaVa\\tScript:x'>",
    ]
    assert dangers('<img src="data:image/png;base64,AA" onerror="x">') == [
        "<img src='data:image/png;base64,AA'>",
        "<img onerror=...>",
    ]
    assert dangers('<a href="java script:x">relative, harmless</a>') == []


BAD_LINKS = {
    "inline-javascript": "[x](javascript:alert(1))",
    "mixed-case-javascript": "[x](JaVaScRiPt:alert(1))",
    "entity-encoded-javascript": "[x](&#106;avascript:alert(1))",
    "tab-in-javascript": "[x](java\tscript:alert(1))",
    "reference-javascript": "[x][r]\n\n[r]: javascript:alert(1)",
    "autolink-javascript": "<javascript:alert(1)>",
    "vbscript": "[x](vbscript:msgbox(1))",
    "data-html-link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data-image": "![x](data:image/png;base64,iVBORw0KGgo=)",
    "data-svg-image": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "javascript-image": "![x](javascript:alert(1))",
    "reference-image-data": "![x][i]\n\n[i]: data:image/gif;base64,R0lGOD",
    "raw-anchor": '<a href="javascript:alert(1)">x</a>',
    "raw-img-onerror": '<img src="x" onerror="alert(1)">',
    "raw-iframe": '<iframe src="javascript:alert(1)"></iframe>',
}


@pytest.mark.parametrize("markdown", BAD_LINKS.values(), ids=BAD_LINKS.keys())
def test_dangerous_urls_in_markdown_are_dropped(make_site: MakeSite, markdown: str) -> None:
    site = make_site(
        {
            "content/pages/p.md": fm(
                "title: P", body=markdown + "\n\n[ok](https://example.org/)\n"
            ),
            "content/releases/r.yaml": (
                f"version: 1.0.0\ndate: 2026-01-01\nhighlights: [{_q(markdown)}]\n"
            ),
        }
    )
    loaded = load(site)
    body = loaded.pages[0].body.html
    note = loaded.releases[0].highlights[0].html
    assert dangers(body) == [] and dangers(note) == [], (body, note)
    assert 'href="https://example.org/"' in body  # a good link survives next to a bad one


def test_repo_url_must_be_http(make_site: MakeSite) -> None:
    site = make_site(
        {"content/goals/a.md": goal()},
        site_yaml="title: T\nrepo_url: 'javascript:alert(1)'\n",
    )
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 1
    assert (
        "content/site.yaml:2: repo_url: 'javascript:alert(1)' must be an absolute http(s) URL"
        in result.stderr
    )


def test_the_danger_finder_sees_through_to_the_output(make_site: MakeSite) -> None:
    """With raw HTML switched on, the same site must show up as dangerous."""
    site = make_site(evil_site_files())
    site_yaml = site / "content/site.yaml"
    site_yaml.write_text(site_yaml.read_text() + "markdown: {unsafe_html: true}\n")
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 0, result.stderr
    found = output_dangers(site / "output")
    assert any("<img onerror=...>" in problem for problem in found), found
    assert any("feed.xml: " in problem for problem in found), found


def test_a_value_with_a_newline_keeps_its_error_on_one_line(make_site: MakeSite) -> None:
    site = make_site({"content/goals/a.md": fm("title: A", 'status: "done\\nfake.md:1: ok"')})
    assert all("\n" not in message for message in errors_of(site))

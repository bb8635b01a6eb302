"""Property tests: whatever bytes land in content/, loading ends in a site or in
ContentErrors: never another exception, never a hang.

Each example writes a small site into its own temp folder and runs the real loader
(``load_site``: read, YAML, fields, references, Markdown). Hypothesis' ``deadline``
bounds every example; ``database=None`` keeps the repository free of a .hypothesis folder.
"""

from __future__ import annotations

import datetime as dt
import os
import string
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmsite.build import load_site
from pmsite.errors import ContentErrors
from pmsite.model.kinds import BY_NAME
from pmsite.model.kinds import KINDS as CONTENT_KINDS

pytestmark = pytest.mark.slow  # property tests with many examples, each a site on disk

# PMSITE_FUZZ_EXAMPLES=5000 for a longer hunt than the test suite's quick one.
FUZZ = settings(
    max_examples=int(os.environ.get("PMSITE_FUZZ_EXAMPLES", "150")),
    deadline=dt.timedelta(seconds=3),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SITE_YAML = "title: Fuzz\nbase_url: https://example.org/\n"
GOAL = "---\ntitle: Known goal\nstatus: planned\n---\nA goal to refer to.\n"
RELEASE = "version: 1.0.0\ndate: 2026-01-01\n"
KINDS = {kind.folder: kind.allowed_keys for kind in CONTENT_KINDS}
ITEM_KEYS = {
    key for name in ("goal", "release", "reflection") for key in BY_NAME[name].allowed_keys
}

# Characters that mean something to YAML, Markdown or a file system, plus plain text.
YAML_ALPHABET = list(":-[]{},&*!|>'\"#%@`?.\\/\n\t  ") + list(string.ascii_letters + string.digits)
yamlish_text = st.text(
    alphabet=st.one_of(st.sampled_from(YAML_ALPHABET), st.characters()), max_size=300
)
yamlish_lines = st.lists(
    st.one_of(
        yamlish_text,
        st.builds(
            lambda key, value: f"{key}: {value}",
            st.sampled_from(
                sorted(
                    {
                        key
                        for name in ("goal", "release", "reflection")
                        for key in BY_NAME[name].allowed_keys
                    }
                )
            ),
            yamlish_text,
        ),
    ),
    max_size=8,
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.dates(),
    st.datetimes(),
    st.sampled_from(["planned", "done", "now", "2027-Q1", "1.0.0", "up", "known-goal", ""]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=10), inner, max_size=4),
    ),
    max_leaves=20,
)


@st.composite
def field_mappings(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    """(kind folder, a mapping of known and unknown field names to values of any type)."""
    folder = draw(st.sampled_from(sorted(KINDS)))
    keys = st.one_of(st.sampled_from(KINDS[folder]), st.text(max_size=12))
    return folder, draw(st.dictionaries(keys, values, max_size=8))


@contextmanager
def site_with(files: dict[str, str | bytes]) -> Iterator[Path]:
    """A site in a fresh temp folder: site.yaml, one goal and one release, plus ``files``."""
    with tempfile.TemporaryDirectory(prefix="pmsite-fuzz-") as folder:
        site = Path(folder)
        base: dict[str, str | bytes] = {
            "content/site.yaml": SITE_YAML,
            "content/goals/known-goal.md": GOAL,
            "content/releases/known.yaml": RELEASE,
        }
        for name, data in {**base, **files}.items():
            path = site / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, str):
                data = data.encode("utf-8", "surrogatepass")
            path.write_bytes(data)
        yield site


def loads_or_reports(files: dict[str, str | bytes]) -> None:
    """The property: a loaded site, or ContentErrors whose every line names a file."""
    with site_with(files) as site:
        try:
            load_site(site)
        except ContentErrors as caught:
            assert caught.errors
            for error in caught.errors:
                assert error.path.startswith("content/"), error
                assert error.line is None or error.line >= 1, error


@FUZZ
@given(front=yamlish_lines, body=yamlish_text)
def test_random_front_matter(front: list[str], body: str) -> None:
    loads_or_reports({"content/goals/fuzz.md": "---\n" + "\n".join(front) + "\n---\n" + body})


@FUZZ
@given(text=yamlish_text, folder=st.sampled_from(sorted(KINDS)))
def test_random_yaml_files(text: str, folder: str) -> None:
    loads_or_reports({f"content/{folder}/fuzz.yaml": text})


@FUZZ
@given(text=yamlish_text)
def test_random_site_yaml(text: str) -> None:
    loads_or_reports({"content/site.yaml": SITE_YAML + text})


@FUZZ
@given(data=field_mappings(), markdown=st.booleans())
def test_random_fields_of_random_types(data: tuple[str, dict[str, object]], markdown: bool) -> None:
    folder, mapping = data
    dumped = yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False)
    if markdown and folder != "metrics":
        loads_or_reports({f"content/{folder}/fuzz.md": "---\n" + dumped + "---\nBody.\n"})
    else:
        loads_or_reports({f"content/{folder}/fuzz.yaml": dumped})


@FUZZ
@given(
    raw=st.binary(max_size=400),
    prefix=st.sampled_from([b"", b"---\n", b"\xef\xbb\xbf---\ntitle: ", b"---\r\ntitle: A\r\n"]),
    name=st.sampled_from(["goals/fuzz.md", "releases/fuzz.yaml", "site.yaml", "static/x.bin"]),
)
def test_random_bytes(raw: bytes, prefix: bytes, name: str) -> None:
    loads_or_reports({f"content/{name}": prefix + raw})


@FUZZ
@given(
    rows=st.lists(st.text(alphabet=st.sampled_from("0123456789-,.eE+naifNI \t\"'"), max_size=30)),
    header=st.sampled_from(["date,value", "Date, Value", "value,date", ""]),
)
def test_random_metric_csv(rows: list[str], header: str) -> None:
    loads_or_reports(
        {
            "content/metrics/m.yaml": "name: M\ncsv: m.csv\n",
            "content/metrics/m.csv": "\n".join([header, *rows]),
        }
    )


file_names = st.text(
    alphabet=st.characters(blacklist_characters="/\0", blacklist_categories=["Cs"]),
    min_size=1,
    max_size=40,
).filter(lambda name: name not in (".", ".."))


@FUZZ
@given(
    name=file_names,
    suffix=st.sampled_from([".md", ".yaml", ".MD", ".txt", ""]),
    folder=st.sampled_from(sorted(KINDS)),
)
def test_random_file_names(name: str, suffix: str, folder: str) -> None:
    """Any name a file system allows: loaded or reported, each report on one line."""
    text = GOAL if suffix.lower() == ".md" else "title: T\nname: N\nversion: 9.9.9\n"
    with site_with({f"content/{folder}/{name}{suffix}": text}) as site:
        try:
            load_site(site)
        except ContentErrors as caught:
            for error in caught.errors:
                assert "\n" not in str(error), error

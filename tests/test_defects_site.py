"""Issue 16's site classes: the latest release (9), feeds and their ids (12) and theme
pages (16). Real sites in temp folders, built by the real CLI in a subprocess."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest

from pmsite.session import BuildSession

from .conftest import FIXTURES, MakeSite, goal, run_pmsite
from .sitecheck import broken_links

ATOM = "{http://www.w3.org/2005/Atom}"


def build(site: Path) -> Path:
    """Build ``site`` with the CLI; its output folder."""
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 0, result.stdout + result.stderr
    return site / "output"


def page(output: Path, url: str) -> str:
    return (output / url / "index.html").read_text(encoding="utf-8")


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by the heading with ``heading_id``."""
    start = html.index(">", html.index(f'aria-labelledby="pm--{heading_id}"')) + 1
    return html[start : html.index("</section>", start)]


def text(fragment: str) -> str:
    """Readable text of an HTML fragment, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def release(version: str, day: str | None = None, **fields: object) -> str:
    lines = [f"version: {version}", f"title: Release {version}"]
    lines += [f"date: {day}"] if day else ["status: planned"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n"


# -- 9. The latest release ------------------------------------------------------------


def test_latest_release_is_the_newest_stable_one_not_yanked(make_site: MakeSite) -> None:
    """GitHub's rule: a newer pre-release or a newer yanked release is never "latest";
    the newer pre-release is shown as such beside it."""
    site = make_site(
        {
            "content/releases/a.md": release("1.0.0", "2026-01-10"),
            "content/releases/b.md": release("1.1.0", "2026-02-10"),
            "content/releases/c.md": release("2.0.0-rc.1", "2026-03-10"),
            "content/releases/d.md": release("1.1.1", "2026-03-20", yanked="true"),
            "content/releases/e.md": release("2.0.0"),  # planned
        }
    )
    latest = section(page(build(site), ""), "latest-heading")
    assert re.search(r"<h3><a [^>]*>1\.1\.0</a> Release 1\.1\.0</h3>", latest), latest
    assert "Newer pre-release: 2.0.0-rc.1 Release 2.0.0-rc.1" in text(latest)
    assert "1.1.1" not in latest and ">2.0.0<" not in latest


def test_only_pre_releases_means_no_stable_release_yet(make_site: MakeSite) -> None:
    site = make_site({"content/releases/a.md": release("0.1.0-beta.1", "2026-01-10")})
    latest = text(section(page(build(site), ""), "latest-heading"))
    assert "No stable release yet." in latest
    assert "Newer pre-release: 0.1.0-beta.1" in latest


def test_a_stable_release_newer_than_every_pre_release_shows_no_pre_release(
    make_site: MakeSite,
) -> None:
    site = make_site(
        {
            "content/releases/a.md": release("1.0.0-rc.1", "2026-01-10"),
            "content/releases/b.md": release("1.0.0", "2026-02-10"),
        }
    )
    latest = section(page(build(site), ""), "latest-heading")
    assert ">1.0.0</a>" in latest
    assert "pre-release" not in latest.lower()


def test_goal_page_separates_planned_releases_from_shipped_ones(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/goals/g.md": goal("Offline"),
            "content/releases/a.md": release("1.0.0", "2026-01-10", goals="[g]"),
            "content/releases/b.md": release("2.0.0", None, goals="[g]", target="2027-Q1"),
        }
    )
    output = build(site)
    html = page(output, "goals/g/")
    shipped = text(section(html, "releases-heading"))
    planned = text(section(html, "planned-releases-heading"))
    assert "1.0.0 Release 1.0.0" in shipped and "2.0.0" not in shipped
    assert planned == "Planned releases 2.0.0 Release 2.0.0 · target 2027-Q1 Planned"
    assert "Goals it will advance" in page(output, "releases/2.0.0/")
    assert "Goals it advances" in page(output, "releases/1.0.0/")


def test_goal_with_only_planned_releases_has_shipped_none(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/goals/g.md": goal("Offline"),
            "content/releases/b.md": release("2.0.0", None, goals="[g]"),
        }
    )
    html = page(build(site), "goals/g/")
    assert "No shipped release lists this goal yet." in section(html, "releases-heading")
    assert "2.0.0" in section(html, "planned-releases-heading")


# -- 12. Feeds: bodies and ids --------------------------------------------------------

# RFC 3987: an IRI has a scheme and no spaces, controls, or "<>\"{}|\\^`" characters;
# '%' only starts a percent-encoded octet.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?:[^\x00-\x20\x7f-\x9f<>\"{}|\\^`%]|%[0-9A-Fa-f]{2})+")
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
_URN = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def check_atom(document: bytes) -> ElementTree.Element:
    """The Atom document's root, after checking RFC 4287's rules that matter here: one
    id (an absolute IRI), title and updated (RFC 3339) per feed and per entry, an author,
    content or an alternate link per entry, and no two entries with one id."""
    parsed = feedparser.parse(document)
    assert not parsed.bozo, parsed.bozo_exception
    root = ElementTree.fromstring(document)
    assert root.tag == f"{ATOM}feed"
    ids = []
    for element in [root, *root.findall(f"{ATOM}entry")]:
        for child in ("id", "title", "updated"):
            assert len(element.findall(f"{ATOM}{child}")) == 1, (element.tag, child)
        identifier = element.findtext(f"{ATOM}id", "")
        assert _IRI.fullmatch(identifier), f"not an absolute IRI: {identifier!r}"
        assert _RFC3339.fullmatch(element.findtext(f"{ATOM}updated", ""))
        ids.append(identifier)
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    for entry in root.findall(f"{ATOM}entry"):
        alternate = entry.find(f"{ATOM}link[@rel='alternate']")
        assert entry.find(f"{ATOM}content") is not None or alternate is not None
    assert len(ids) == len(set(ids)), ids
    return root


def check_json_feed(document: bytes) -> dict:
    """JSON Feed 1.1's rules (feedparser 6.0 does not read JSON Feed): the version URL, a
    title, and items with unique string ids and content_html or content_text."""
    feed = json.loads(document)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    ids = [item["id"] for item in feed["items"]]
    assert all(isinstance(i, str) and i for i in ids) and len(ids) == len(set(ids))
    assert all("content_html" in item or "content_text" in item for item in feed["items"])
    return feed


@pytest.fixture
def feed_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(FIXTURES / "basic", site)
    return site


def without_base_url(site: Path, title: str) -> None:
    config = site / "content/site.yaml"
    lines = config.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith(("base_url:", "title:"))]
    config.write_text("\n".join([f"title: {title}", *kept]) + "\n", encoding="utf-8")


def entry_content(root: ElementTree.Element, link_end: str) -> str:
    for entry in root.findall(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        if link is not None and link.get("href", "").endswith(link_end):
            return entry.findtext(f"{ATOM}content", "")
    raise AssertionError(f"no entry for {link_end}")


@pytest.mark.parametrize("base", ["with base_url", "without base_url"])
def test_feed_entries_carry_the_bodies(feed_site: Path, base: str) -> None:
    if base == "without base_url":
        without_base_url(feed_site, "Acme roadmap")
    output = build(feed_site)
    releases = check_atom((output / "feed.xml").read_bytes())
    notes = entry_content(releases, "releases/1.9.0/")
    assert "The new index is built in the background." in notes  # the body
    assert "Search filters by tag." in notes  # and still the notes
    journal = check_atom((output / "reflections/feed.xml").read_bytes())
    retro = entry_content(journal, "reflections/2026-10-offline-beta/")
    assert "A longer write-up of the beta." in retro
    assert "Test with real trains" in retro
    items = json.loads((output / "feed.json").read_text(encoding="utf-8"))["items"]
    by_url = {item["url"].rsplit("releases/", 1)[1]: item for item in items}
    assert "The new index is built in the background." in by_url["1.9.0/"]["content_html"]
    assert "Search filters by tag." in by_url["1.9.0/"]["content_html"]
    check_json_feed((output / "feed.json").read_bytes())


def test_feed_ids_without_base_url_are_valid_stable_urns(feed_site: Path) -> None:
    """A title with a space, '#' and non-ASCII: every id is still an absolute IRI (a
    UUID URN), the same in each build, and feed.json's ids are feed.xml's."""
    without_base_url(feed_site, "Acme roadmap #2 — Zürich?")
    output = build(feed_site)
    ids = []
    for name in ("feed.xml", "reflections/feed.xml"):
        root = check_atom((output / name).read_bytes())
        ids += [root.findtext(f"{ATOM}id", "")]
        ids += [entry.findtext(f"{ATOM}id", "") for entry in root.findall(f"{ATOM}entry")]
    assert all(_URN.fullmatch(identifier) for identifier in ids), ids
    assert len(ids) == len(set(ids)) == 1 + 5 + 1 + 2  # two feeds, five and two entries
    items = json.loads((output / "feed.json").read_text(encoding="utf-8"))["items"]
    atom_entries = ElementTree.parse(output / "feed.xml").getroot().findall(f"{ATOM}entry")
    assert [item["id"] for item in items] == [e.findtext(f"{ATOM}id") for e in atom_entries]
    first = (output / "feed.xml").read_bytes()
    shutil.rmtree(output)
    assert (build(feed_site) / "feed.xml").read_bytes() == first


def test_feed_ids_with_base_url_are_the_page_urls(feed_site: Path) -> None:
    root = check_atom((build(feed_site) / "feed.xml").read_bytes())
    assert root.findtext(f"{ATOM}id") == "https://example.org/acme/releases/"
    entry = root.findall(f"{ATOM}entry")[0]
    assert entry.findtext(f"{ATOM}id") == entry.find(f"{ATOM}link").get("href")


# -- 16. Themes -----------------------------------------------------------------------


def theme_goal(title: str, theme: str, status: str = "in-progress", **fields: object) -> str:
    return goal(title, status, theme=theme, **fields)


@pytest.fixture
def theme_site(make_site: MakeSite) -> Path:
    return make_site(
        {
            "content/goals/offline.md": theme_goal("Offline", "Mobile apps", priority=1),
            "content/goals/widgets.md": theme_goal("Widgets", "Mobile apps", "planned"),
            "content/goals/old.md": theme_goal("Old app", "Mobile apps", "done"),
            "content/goals/sso.md": theme_goal("SSO", "Enterprise"),
            "content/goals/bare.md": goal("No theme here"),
            "content/goals/hidden.md": theme_goal("Hidden", "Secret", draft="true"),
            "content/releases/a.md": release("1.0.0", "2026-01-10", goals="[offline]"),
            "content/releases/b.md": release("2.0.0", None, goals="[widgets, sso]"),
            "content/releases/c.md": release("0.9.0", "2025-12-01", goals="[sso]"),
        }
    )


def test_each_theme_has_a_page_with_its_goals_and_releases(theme_site: Path) -> None:
    output = build(theme_site)
    html = page(output, "themes/mobile-apps/")
    assert "<h1>Mobile apps</h1>" in html
    rows = [text(row) for row in re.findall(r"<tr>.*?</tr>", html, re.S)[1:]]
    assert rows == [  # goal, lane, status, target, progress; roadmap order
        "Offline Now ◐ In progress –",
        "Widgets Next ○ Planned –",
        "Old app No lane ✓ Done 100%",
    ]
    releases = text(section(html, "theme-releases-heading"))
    assert releases == (
        "Releases Upcoming 2.0.0 Release 2.0.0 · Planned"
        " Released 1.0.0 Release 1.0.0 · 10 January 2026"
    )
    assert "0.9.0" not in html  # a release of another theme's goal
    index = text(page(output, "themes/"))
    assert "Enterprise (1 goal) Mobile apps (3 goals)" in index
    assert not (output / "themes/secret").exists()  # only a draft has it
    assert broken_links(output) == []


def test_goal_pages_and_the_roadmap_link_to_theme_pages(theme_site: Path) -> None:
    output = build(theme_site)
    assert '<dd><a href="../../themes/mobile-apps/">Mobile apps</a></dd>' in page(
        output, "goals/offline/"
    )
    roadmap = page(output, "roadmap/")
    by_theme = roadmap[
        roadmap.index('id="pm--themes-heading"') : roadmap.index('id="pm--shipped-heading"')
    ]
    assert '<a href="../themes/enterprise/">Enterprise</a></h3>' in by_theme
    assert '<a href="../themes/mobile-apps/">Mobile apps</a></h3>' in by_theme
    assert ">No theme</h3>" in by_theme
    assert "theme" not in page(output, "goals/bare/").split("<dl")[1].split("</dl>")[0].lower()


def test_drafts_build_includes_the_draft_theme(theme_site: Path) -> None:
    output = theme_site / "out"
    result = run_pmsite("build", "--site", theme_site, "--output", output, "--drafts")
    assert result.returncode == 0, result.stderr
    assert "<h1>Secret</h1>" in page(output, "themes/secret/")


@pytest.mark.parametrize(
    ("first", "second"),
    [("Mobile apps", "mobile apps"), ("Mobile apps", "Mobile-apps"), (".NET", "NET")],
)
def test_two_themes_with_one_url_are_an_error_naming_both(
    make_site: MakeSite, first: str, second: str
) -> None:
    site = make_site(
        {
            "content/goals/a.md": theme_goal("A", first),
            "content/goals/b.md": theme_goal("B", second, draft="true"),  # drafts count too
        }
    )
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 1
    slug = "net" if first == ".NET" else "mobile-apps"
    assert (
        f"content/goals/b.md:4: theme: '{second}' and '{first}' (content/goals/a.md:4) would"
        f" share the page themes/{slug}/; spell the theme the same way in both files"
    ) in result.stdout + result.stderr


def test_a_theme_without_letters_is_an_error(make_site: MakeSite) -> None:
    site = make_site({"content/goals/a.md": theme_goal("A", "'---'")})
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 1
    assert "content/goals/a.md:4: theme: '---' has no letters or digits" in result.stderr


def test_a_free_page_cannot_take_the_themes_url(make_site: MakeSite) -> None:
    site = make_site({"content/pages/themes.md": "---\ntitle: Themes\n---\nHi\n"})
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 1
    assert "page slug 'themes' is taken by pmsite's own /themes/" in result.stderr


def files_of(
    site: Path, session: BuildSession | None = None, changed: frozenset = frozenset()
) -> dict:
    outcome = (session or BuildSession(site)).build(changed=changed)
    return {
        f.path: f.content if f.copy_from is None else f.copy_from.read_bytes()
        for f in outcome.files
    }


def content_files(site: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in (site / "content").rglob("*") if p.is_file()}


def replace(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content, (path, old)
    path.write_text(content.replace(old, new), encoding="utf-8")


THEME_EDITS = {
    "goal moves theme": lambda s: replace(
        s / "content/goals/widgets.md", "theme: Mobile apps", "theme: Enterprise"
    ),
    "goal status": lambda s: replace(s / "content/goals/offline.md", "in-progress", "at-risk"),
    "goal title": lambda s: replace(s / "content/goals/sso.md", "title: SSO", "title: Sign-on"),
    "release ships": lambda s: replace(
        s / "content/releases/b.md", "status: planned", "date: 2026-04-01"
    ),
    "release drops a goal": lambda s: replace(
        s / "content/releases/a.md", "goals: [offline]", "goals: []"
    ),
    "theme renamed": lambda s: [
        replace(s / f"content/goals/{name}.md", "theme: Mobile apps", "theme: Phones")
        for name in ("offline", "old")
    ],
    "new theme": lambda s: (s / "content/goals/new.md").write_text(
        theme_goal("New", "Platform"), encoding="utf-8"
    ),
    "goal deleted": lambda s: (s / "content/goals/old.md").unlink(),
    "goal summary (a text edit)": lambda s: replace(
        s / "content/goals/widgets.md", "status: planned", "status: planned\nsummary: Small"
    ),
}


def test_theme_pages_rebuild_exactly_as_a_clean_build(theme_site: Path) -> None:
    """The dependency tracker records what theme pages read: after each edit, the
    session's rebuild (reusing pages whose reads did not change) equals a clean build."""
    session = BuildSession(theme_site)
    session.build()
    for name, edit in THEME_EDITS.items():
        before = content_files(theme_site)
        edit(theme_site)
        after = content_files(theme_site)
        changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
        session.forget(changed)
        # As the preview server asks: told which files changed (a text edit is patched).
        assert files_of(theme_site, session, frozenset(changed)) == files_of(theme_site), name
    assert "themes/phones/index.html" in files_of(theme_site)


def test_theme_pages_record_every_read_that_changes_them(theme_site: Path) -> None:
    """As tests/test_tracking.py does for the feeds, for the theme pages (templates): change
    every field of every item and theme; when a theme page changes, something it was
    recorded reading must have changed, or ``pmsite serve`` would keep it stale."""
    from pmsite.incremental.tracking import SITE_KEY, model_objects, note, recording
    from pmsite.model.items import Theme
    from pmsite.render.templates import Renderer, make_environment, page_list

    from .test_tracking import _perturbed, _value

    site, _, _ = BuildSession(theme_site).load()
    renderer = Renderer(site, theme_site, make_environment(theme_site, track=True))
    pages = [spec for spec in page_list(site) if spec.url.startswith("themes/")]
    assert len(pages) == 3  # the index, Enterprise, Mobile apps
    objects = model_objects(site)
    checked = 0
    for spec in pages:
        with recording() as deps:
            if spec.subject is not None:
                note(spec.subject)
            made = renderer.render_page(spec)
        assert made is not None, renderer.errors
        for key, obj in objects.items():
            mine = [dep for dep in deps if dep[0] in (key, SITE_KEY)]
            for field in dataclasses.fields(obj):
                old = getattr(obj, field.name)
                new = _perturbed(old)
                if new is None or field.name in ("kind", "slug"):
                    continue
                before = {dep: _value(objects, site, dep) for dep in mine}
                setattr(obj, field.name, new)
                try:
                    if renderer.render_page(spec) == made:
                        continue
                    checked += 1
                    noticed = (key, "") in deps or any(
                        _value(objects, site, dep) != before[dep] for dep in mine
                    )
                    assert noticed, f"{spec.url} changes with {key} {field.name!r}, unrecorded"
                finally:
                    setattr(obj, field.name, old)
    assert checked > 20
    assert any(isinstance(obj, Theme) for obj in objects.values())

"""Issue 16's site classes: the latest release (9), feeds and their ids (12) and theme
pages (16). Real sites in temp folders, built by the real CLI in a subprocess."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import MakeSite, goal, run_pmsite

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
    start = html.index(">", html.index(f'aria-labelledby="{heading_id}"')) + 1
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

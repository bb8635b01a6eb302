"""Issue 16, content and rendering: each fault class with the input that showed it and
the value a user must see. Real files in temp folders; the real CLI where a user would
see the result."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .conftest import MakeSite, errors_of, goal, load, run_pmsite


def build(site: Path, *args: str) -> Path:
    """Build ``site`` with the real CLI and return its output folder."""
    result = run_pmsite("build", "--site", site, "--no-cache", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return site / "output"


def fails(site: Path, *args: str) -> list[str]:
    """The error lines of a build that must fail (exit 1, no traceback)."""
    result = run_pmsite("build", "--site", site, "--no-cache", *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("content/")]


def page(output: Path, path: str) -> str:
    return (output / path).read_text(encoding="utf-8")


def text_of(html: str) -> str:
    """The page's text as a reader sees it: tags removed, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# -- 3. numbers keep the precision they were written with --------------------------------

RATE = """\
name: Checkout conversion
unit: "%"
points:
  - {date: 2026-01-01, value: 0.021}
  - {date: 2026-02-01, value: 0.024}
  - {date: 2026-03-01, value: 0.0275}
"""
USERS = """\
name: Weekly users
points:
  - {date: 2026-01-01, value: 1200}
  - {date: 2026-02-01, value: 8900.5}
"""


def test_values_show_the_precision_they_were_written_with(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/metrics/rate.yaml": RATE,
            "content/metrics/users.yaml": USERS,
            "content/goals/convert.md": goal(
                "Convert", "in-progress", metrics="[{metric: rate, target: 0.035}]"
            ),
        }
    )
    output = build(site)
    table = page(output, "metrics/rate/index.html")
    cells = re.findall(r"<td>([^<]*)</td>", table)
    assert cells == ["0.021", "0.024", "0.0275"]
    assert "latest 0.0275" in text_of(table)
    figures = text_of(page(output, "goals/convert/index.html"))
    # 0.021 -> 0.0275 of the way to 0.035: 46 %, and the numbers say so.
    assert "46% of the way from 0.021 to 0.035; now 0.0275" in figures
    assert "target 0.035%" in figures  # the chart's target line
    home = text_of(page(output, "index.html"))
    assert "Checkout conversion 0.0275 %" in home  # the KPI tile
    assert "Weekly users 8,900.5" in home  # thousands separators stay
    assert re.findall(r"<td>([^<]*)</td>", page(output, "metrics/users/index.html")) == [
        "1,200",
        "8,900.5",
    ]


# -- 10. a measure worse than its baseline shows the regression and the date of "now" ------

STARS = """\
name: One-star reviews
direction: down
points:
  - {date: 2026-01-01, value: 40}
  - {date: 2026-02-01, value: 55}
"""


def test_a_regression_is_shown_with_the_date_of_now(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/metrics/stars.yaml": STARS,
            "content/goals/reviews.md": goal(
                "Fewer bad reviews", "in-progress", metrics="[{metric: stars, target: 30}]"
            ),
        }
    )
    output = build(site)
    goal_page = page(output, "goals/reviews/index.html")
    assert (
        "-150% of the way from 40 to 30 (worse than baseline); now 55 as of 1 February 2026"
        " (lower is better)"
    ) in text_of(goal_page).replace(" ;", ";")
    assert 'aria-label="Progress towards One-star reviews target: -150%"' in goal_page
    assert '<time datetime="2026-02-01">1 February 2026</time>' in goal_page
    # The goal's own progress, on its page and on the roadmap's cards, says so too.
    for path in ("goals/reviews/index.html", "roadmap/index.html", "index.html"):
        assert "-150% (worse than baseline)" in text_of(page(output, path)), path


def test_an_inline_measure_has_no_date_of_now(make_site: MakeSite) -> None:
    measure = "[{name: Crashes, baseline: 12, current: 6, target: 2, direction: down}]"
    site = make_site({"content/goals/g.md": goal("G", "in-progress", metrics=measure)})
    figures = text_of(page(build(site), "goals/g/index.html"))
    assert "60% of the way from 12 to 2; now 6 (lower is better)" in figures
    assert "worse than baseline" not in figures


# -- 11. half-years and months on the timeline -----------------------------------------


def test_the_timeline_files_a_half_year_under_itself(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/goals/half.md": goal("Half", "in-progress", target="2027-H2"),
            "content/goals/q3.md": goal("Third", "in-progress", target="2027-Q3"),
            "content/goals/q4.md": goal("Fourth", "in-progress", target="2027-Q4"),
            "content/goals/nov.md": goal("November", "planned", target="2027-11"),
            "content/goals/day.md": goal("Day", "planned", target="2027-08-15"),
            "content/goals/h1.md": goal("First half", "planned", target="2027-H1"),
            "content/goals/none.md": goal("Someday", "planned"),
        }
    )
    timeline = [(period, [g.slug for g in goals]) for period, goals in load(site).timeline]
    assert timeline == [
        ("2027-H1", ["h1"]),
        ("2027-Q3", ["day", "q3"]),
        ("2027-Q4", ["nov", "q4"]),
        ("2027-H2", ["half"]),
        ("Unscheduled", ["none"]),
    ]
    roadmap = text_of(page(build(site), "roadmap/index.html"))
    timeline_text = roadmap[roadmap.index("By target period") : roadmap.rindex("By theme")]
    # Each goal's own period is written beside it, under a heading that contains it.
    assert "2027-Q4 November ○ Planned Nov 2027 Fourth ◐ In progress 2027-Q4" in timeline_text
    assert "2027-H2 Half ◐ In progress 2027-H2" in timeline_text
    assert "2027-Q3 Day ○ Planned 15 August 2027" in timeline_text


# -- 13. language is a BCP 47 tag -----------------------------------------------------------


@pytest.mark.parametrize("language", ["xx-nonsense!", "english", "en_GB", "en-", "fr--CA"])
def test_a_language_that_is_not_a_bcp47_tag_is_an_error(
    make_site: MakeSite, language: str
) -> None:
    site = make_site(site_yaml=f"title: T\nlanguage: '{language}'\n")
    assert fails(site) == [
        f"content/site.yaml:2: language: '{language}' is not a BCP 47 language tag;"
        " write one such as en, en-GB, pt-BR or zh-Hant"
    ]


@pytest.mark.parametrize("language", ["pt-BR", "zh-Hant-TW", "de-CH-1996", "es-419", "en"])
def test_a_bcp47_language_is_the_pages_language(make_site: MakeSite, language: str) -> None:
    site = make_site(site_yaml=f"title: T\nlanguage: {language}\n")
    assert f'<html lang="{language}">' in page(build(site), "index.html")


# -- 2. distinct tags get distinct pages, or an error naming both spellings ----------------


def test_cpp_and_csharp_are_two_tags(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/goals/cpp.md": goal("Native SDK", tags="[C++]"),
            "content/goals/cs.md": goal("Unity SDK", tags="['C#']"),
            "content/goals/c.md": goal("Firmware", tags="[C, '#mobile']"),
            "content/goals/m.md": goal("App", tags="[Mobile]"),
        }
    )
    tags = {t.slug: (t.name, [i.slug for i in t.items]) for t in load(site).tags}
    assert tags == {
        "c": ("C", ["c"]),
        "c-plus-plus": ("C++", ["cpp"]),
        "c-sharp": ("C#", ["cs"]),
        "mobile": ("Mobile", ["m", "c"]),  # '#mobile' too: a leading '#' is not a word
    }
    output = build(site)
    cpp = page(output, "goals/cpp/index.html")
    assert '<a href="../../tags/c-plus-plus/">#C++</a>' in cpp
    assert "#C#" not in cpp
    assert "Unity SDK" not in page(output, "tags/c-plus-plus/index.html")


@pytest.mark.parametrize(
    ("first", "second", "slug"),
    [("'.NET'", "NET", "net"), ("'A/B testing'", "A-B testing", "a-b-testing")],
)
def test_two_spellings_that_would_share_a_tag_page_are_an_error(
    make_site: MakeSite, first: str, second: str, slug: str
) -> None:
    site = make_site(
        {
            "content/goals/a.md": goal("A", tags=f"[{first}]"),
            "content/goals/b.md": goal("B", draft="true", tags=f"[{second}]"),
        }
    )
    # The draft counts too: whether a site is valid does not depend on --drafts.
    assert fails(site) == [
        f"content/goals/b.md:5: tags: '{second}' and {first} (content/goals/a.md:4) would"
        f" share the tag page tags/{slug}/; spell them the same, or rename one"
    ]


def test_case_and_separators_do_not_make_another_tag(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/goals/a.md": goal("A", tags="['Mobile app']"),
            "content/goals/b.md": goal("B", tags="[mobile-app, MOBILE_APP]"),
        }
    )
    assert [(t.slug, t.name, len(t.items)) for t in load(site).tags] == [
        ("mobile-app", "Mobile app", 2)
    ]

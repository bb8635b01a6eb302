"""Issue 16, content and rendering: each fault class with the input that showed it and
the value a user must see. Real files in temp folders; the real CLI where a user would
see the result."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .conftest import MakeSite, goal, load, run_pmsite


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
def test_a_language_that_is_not_a_bcp47_tag_is_an_error(make_site: MakeSite, language: str) -> None:
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


# -- 4. date-times: one rule, quoted or not; same-day points at their own line -------------


@pytest.mark.parametrize(
    "written",
    [
        "2026-11-15T23:30:00-08:00",
        '"2026-11-15T23:30:00-08:00"',
        "2026-11-15 23:30:00",
        "'2026-11-15 23:30:00'",
        "2026-11-15T23:30Z",
        "'2026-11-15'",
    ],
)
def test_a_date_time_gives_its_calendar_date_quoted_or_not(
    make_site: MakeSite, written: str
) -> None:
    site = make_site(
        {
            "content/releases/r.md": f"---\nversion: 1.0.0\ndate: {written}\n---\n",
            "content/reflections/x.md": f"---\ntitle: X\ndate: {written}\n---\n",
        }
    )
    output = build(site)
    # The date as written, in its own offset: not moved to UTC (16 November).
    assert '<time datetime="2026-11-15">15 November 2026</time>' in page(
        output, "releases/1.0.0/index.html"
    )
    assert '<time datetime="2026-11-15">' in page(output, "reflections/x/index.html")


DAY_TWICE = """\
name: Signups
points:
  - {date: 2026-11-14, value: 1}
  - {date: 2026-11-15T08:00:00Z, value: 2}
  - {date: "2026-11-15T20:00:00-05:00", value: 3}
"""


def test_two_points_on_one_day_are_reported_at_the_second(make_site: MakeSite) -> None:
    site = make_site({"content/metrics/m.yaml": DAY_TWICE})
    assert fails(site) == [
        "content/metrics/m.yaml:5: points item 3: date: 2026-11-15 is also the date of the"
        " point on line 4; a metric has one value per day"
    ]


def test_two_csv_rows_on_one_day_are_reported_at_the_second(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/metrics/m.yaml": "name: Signups\ncsv: m.csv\n",
            "content/metrics/m.csv": "date,value\n2026-11-14,1\n2026-11-15,2\n2026-11-15,3\n",
        }
    )
    assert fails(site) == [
        "content/metrics/m.csv:4: date: 2026-11-15 is also the date of the point on line 3;"
        " a metric has one value per day"
    ]


# -- 7. messages name the field and the fix --------------------------------------------------

MESSAGES = {
    "impossible date": (
        {"content/releases/r.md": "---\nversion: 1.0.0\ndate: 2026-02-30\n---\n"},
        "content/releases/r.md:3: date: '2026-02-30' is not a date (day is out of range for"
        " month); write it as YYYY-MM-DD",
    ),
    "impossible date, quoted": (
        {"content/releases/r.md": "---\nversion: 1.0.0\ndate: '2026-02-30'\n---\n"},
        "content/releases/r.md:3: date: '2026-02-30' is not a date (day is out of range for"
        " month); write it as YYYY-MM-DD",
    ),
    "impossible time": (
        {"content/reflections/r.md": "---\ntitle: R\ndate: 2026-11-15T25:00:00\n---\n"},
        "content/reflections/r.md:3: date: '2026-11-15T25:00:00' is not a date (hour must be"
        " in 0..23); write it as YYYY-MM-DD",
    ),
    "colon in a plain field": (
        {"content/goals/a.md": goal("A", summary="Checkout: weekly list")},
        "content/goals/a.md:4: summary: text with ': ' in it must be put in quotes,"
        ' e.g. summary: "Checkout: weekly list"',
    ),
    "csv row with an impossible date": (
        {
            "content/metrics/m.yaml": "name: M\ncsv: m.csv\n",
            "content/metrics/m.csv": "date,value\n2026-02-01,26\n2026-02-30,27.5\n",
        },
        "content/metrics/m.csv:3: date: '2026-02-30' is not a date (day is out of range for"
        " month); write it as YYYY-MM-DD",
    ),
    "csv row with a bad value": (
        {
            "content/metrics/m.yaml": "name: M\ncsv: m.csv\n",
            "content/metrics/m.csv": 'date,value\n2026-02-01,"8,900"\n',
        },
        "content/metrics/m.csv:2: value: '8,900' is not a number; write it like 8900.5"
        " (no thousands separators, no unit)",
    ),
    "thousands separator in a flow mapping": (
        {"content/metrics/m.yaml": "name: M\npoints:\n  - {date: 2026-11-30, value: 8,900}\n"},
        "content/metrics/m.yaml:3: points item 1: value: 8,900 reads as 8 and a field '900'"
        " (in {...} a comma separates fields); write the number without thousands"
        " separators: 8900",
    ),
    "thousands separator in a plain value": (
        {"content/goals/a.md": goal("A", metrics="\n  - {name: N, target: '1,500'}")},
        "content/goals/a.md:5: metrics item 1: target: must be a number, got text ('1,500':"
        " write it without thousands separators: 1500)",
    ),
    "planned release without status": (
        {"content/releases/r.md": "---\nversion: 2.0.0\ntarget: 2027-Q1\n---\n"},
        "content/releases/r.md:2: date: missing required field: the day it was released,"
        " e.g. date: 2026-11-15; a release that is not out yet needs status: planned",
    ),
}


@pytest.mark.parametrize("case", MESSAGES, ids=list(MESSAGES))
def test_a_message_names_the_field_and_the_fix(make_site: MakeSite, case: str) -> None:
    files, expected = MESSAGES[case]
    assert fails(make_site(files)) == [expected]


def check(site: Path, *args: str) -> list[str]:
    result = run_pmsite("check", "--site", site, *args)
    assert "Traceback" not in result.stderr
    return [line for line in result.stdout.splitlines() if line.startswith("content/")]


LINKS = """\
---
title: Links
status: planned
owner: Ann
---
See [the other goal](../other/) first.

Then [its metrics](../other/#pm--nowhere) and [again](../other/#nope).

And [the same again](../other/#nope).
"""


# check flags the default site.yaml's example.org base_url as a placeholder.
REAL_ADDRESS = "title: Test Site\nbase_url: https://acme.github.io/p/\n"


def test_check_reports_a_broken_link_at_its_own_line(make_site: MakeSite) -> None:
    site = make_site(
        {"content/goals/links.md": LINKS, "content/goals/other.md": goal("O", owner="Bo")},
        site_yaml=REAL_ADDRESS,
    )
    assert check(site) == [
        "content/goals/links.md:8: error: broken link on goals/links/index.html:"
        " ../other/#pm--nowhere (no element with id 'pm--nowhere')",
        "content/goals/links.md:8: error: broken link on goals/links/index.html:"
        " ../other/#nope (no element with id 'nope')",
        "content/goals/links.md:10: error: broken link on goals/links/index.html:"
        " ../other/#nope (no element with id 'nope')",
    ]


def test_an_empty_points_field_is_reported_at_its_line(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/metrics/m.yaml": "name: M\nunit: users\npoints:\n",
            "content/metrics/c.yaml": "name: C\ncsv: c.csv\n",
            "content/metrics/c.csv": "date,value\n",
        },
        site_yaml=REAL_ADDRESS,
    )
    assert check(site) == [
        "content/metrics/c.yaml:2: warning: points: the metric has no data points yet",
        "content/metrics/m.yaml:3: warning: points: the metric has no data points yet",
    ]


# -- 6. one mistake, one error: a file with errors still claims its identity ---------------

REFERS = {
    "content/goals/g.md": goal("G", metrics="[{metric: nps, target: 50}]"),
    "content/releases/0.1.0.md": "---\nversion: 0.1.0\ndate: 2026-01-01\ngoals: [broken]\n---\n",
    "content/reflections/r.md": (
        "---\ntitle: R\ndate: 2026-03-01\nreleases: [0.1.0, 0.2.0]\ngoals: [g, broken]\n---\n"
    ),
    "content/metrics/nps.yaml": "name: NPS\n",
}

ONE_MISTAKE = {
    "release with broken YAML": (
        {"content/releases/0.2.0.md": "---\nversion: 0.2.0\ntitle: [Unclosed\n---\n"},
        "content/releases/0.2.0.md:4: YAML syntax error:",
    ),
    "release with an impossible date": (
        {"content/releases/0.2.0.md": "---\nversion: 0.2.0\ndate: 2026-13-45\n---\n"},
        "content/releases/0.2.0.md:3: date: '2026-13-45' is not a date (month must be in",
    ),
    "release file named otherwise, broken": (
        {"content/releases/second.md": "---\nversion: '0.2.0'\ndate: [2026\n---\n"},
        "content/releases/second.md:4: YAML syntax error:",
    ),
    "release whose version is unusable": (
        {"content/releases/0.2.0.md": "---\nversion: '0.2'\ndate: 2026-02-01\n---\n"},
        "content/releases/0.2.0.md:2: version: '0.2' is not a SemVer 2.0.0 version",
    ),
    "release without front matter": (
        {"content/releases/0.2.0.md": "version: 0.2.0\n"},
        "content/releases/0.2.0.md:1: no front matter",
    ),
    "goal with broken YAML": (
        {
            "content/releases/0.2.0.md": "---\nversion: 0.2.0\ndate: 2026-02-01\n---\n",
            "content/goals/broken.md": "---\ntitle: Broken\nstatus: [done\n---\n",
        },
        "content/goals/broken.md:",
    ),
    "metric that is not UTF-8": (
        {
            "content/releases/0.2.0.md": "---\nversion: 0.2.0\ndate: 2026-02-01\n---\n",
            "content/metrics/nps.yaml": b"name: N\xe9PS\n",
        },
        "content/metrics/nps.yaml:1: file is not UTF-8",
    ),
}


@pytest.mark.parametrize("case", ONE_MISTAKE, ids=list(ONE_MISTAKE))
def test_a_broken_file_gives_one_error_not_one_per_reference(
    make_site: MakeSite, case: str
) -> None:
    files, expected = ONE_MISTAKE[case]
    goal_files = {"content/goals/broken.md": goal("Broken")}
    site = make_site({**REFERS, **goal_files, **files})
    errors = fails(site)
    assert len(errors) == 1, errors
    assert errors[0].startswith(expected), errors


def test_a_reference_to_nothing_is_still_reported(make_site: MakeSite) -> None:
    site = make_site(
        {
            **REFERS,
            "content/goals/broken.md": "---\ntitle: Broken\nstatus: [done\n---\n",
            "content/releases/0.2.0.md": "---\nversion: 0.2.0\ntitle: [x\n---\n",
            "content/reflections/s.md": "---\ntitle: S\ndate: 2026-03-01\nreleases: [0.3.0]\n---\n",
        }
    )
    errors = fails(site)
    assert len(errors) == 3, errors
    assert (
        "content/reflections/s.md:4: releases: unknown release '0.3.0' (did you mean '0.1.0'?);"
        " remove it from 'releases' or add a release file with that version"
    ) in errors


# -- 5. characters no page may hold, in a Markdown body: an error at their line ------------


@pytest.mark.parametrize(
    ("character", "what"),
    [
        ("\x1b", "the control character U+001B"),
        ("\x1f", "the control character U+001F"),
        ("\x85", "the control character U+0085"),
        ("\x0c", "the control character U+000C"),
        ("\ufffe", "the noncharacter U+FFFE"),
        ("\ufdd0", "the noncharacter U+FDD0"),
        ("\U0001ffff", "the noncharacter U+1FFFF"),
    ],
)
def test_a_body_with_a_forbidden_character_is_an_error_at_its_line(
    make_site: MakeSite, character: str, what: str
) -> None:
    body = f"First line.\n\nPasted: [1m{character}bold{character}\n"
    site = make_site(
        {
            "content/goals/a.md": goal("A") + body,
            "content/releases/1.0.0.md": "---\nversion: 1.0.0\ndate: 2026-01-01\ngoals: [a]\n---\n",
        }
    )
    # One error (the release's reference to the goal still resolves), at the line.
    assert fails(site) == [f"content/goals/a.md:8: body contains {what} (2 in the body); remove it"]


def test_the_same_characters_in_yaml_text_are_refused_too(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/pages/p.yaml": 'title: P\nbody: "Text \\uFDD0 here"\n',
            "content/goals/g.md": goal("G", summary='"a\\e[1m"'),
        }
    )
    assert fails(site) == [
        "content/goals/g.md:4: text contains the control character U+001B; remove it",
        "content/pages/p.yaml:2: text contains the noncharacter U+FDD0; remove it",
    ]


def test_tabs_and_ordinary_unicode_in_a_body_build(make_site: MakeSite) -> None:
    site = make_site({"content/goals/a.md": goal("A") + "\tcode\n\nCafé — 😀 €\n"})
    assert "Café — 😀 €" in page(build(site), "goals/a/index.html")


# -- 8. metrics and audiences: what a build leaves out stays out ------------------------------


@pytest.mark.parametrize(
    ("field", "included_by"), [("draft: true", "--drafts"), ("audience: internal", "--audience")]
)
def test_a_metric_left_out_does_not_show_on_a_goal_using_it(
    make_site: MakeSite, field: str, included_by: str
) -> None:
    secret = f"name: Secret revenue\n{field}\npoints:\n  - {{date: 2026-05-01, value: 12345}}\n"
    site = make_site(
        {
            "content/metrics/revenue.yaml": secret,
            "content/goals/g.md": goal(
                "Grow", "in-progress", metrics="[{metric: revenue, target: 20000}]"
            ),
        }
    )
    output = build(site)
    for path in ("goals/g/index.html", "index.html", "roadmap/index.html", "search.json"):
        text = page(output, path)
        assert "Secret revenue" not in text, path
        assert "12,345" not in text and "12345" not in text, path
    assert "How we measure it" not in page(output, "goals/g/index.html")
    assert load(site).goals[0].progress is None  # nor does it count towards progress
    args = ["--drafts"] if included_by == "--drafts" else ["--audience", "internal"]
    shown = page(build(site, *args), "goals/g/index.html")
    assert "Secret revenue" in shown and "12,345" in shown


def test_did_you_mean_suggests_only_what_the_build_shows(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/goals/offline-mode.md": goal("Offline", draft="true"),
            "content/goals/sso-login.md": goal("SSO", audience="internal"),
            "content/metrics/secret-kpi.yaml": "name: K\naudience: internal\n",
            "content/releases/1.0.0.md": (
                "---\nversion: 1.0.0\ndate: 2026-01-01\ngoals: [offline-mod, sso-logon]\n"
                "metrics: [{metric: secret-kp, target: 1}]\n---\n"
            ),
        }
    )
    assert fails(site) == [
        "content/releases/1.0.0.md:4: goals: unknown goal 'offline-mod'",
        "content/releases/1.0.0.md:4: goals: unknown goal 'sso-logon'",
        "content/releases/1.0.0.md:5: metrics: unknown metric 'secret-kp'",
    ]
    assert fails(site, "--drafts", "--audience", "internal") == [
        "content/releases/1.0.0.md:4: goals: unknown goal 'offline-mod'"
        " (did you mean 'offline-mode'?)",
        "content/releases/1.0.0.md:4: goals: unknown goal 'sso-logon' (did you mean 'sso-login'?)",
        "content/releases/1.0.0.md:5: metrics: unknown metric 'secret-kp'"
        " (did you mean 'secret-kpi'?)",
    ]


# -- 1. ids from content never collide with the theme's ---------------------------------------


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.references: list[str] = []  # aria-labelledby targets and #fragments

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids[value] += 1
            elif name in ("aria-labelledby", "aria-describedby"):
                self.references += value.split()
            elif name == "href" and value.startswith("#"):
                self.references.append(value[1:])


def ids_of(output: Path) -> dict[str, _Ids]:
    found = {}
    for path in sorted(output.rglob("*.html")):
        parser = _Ids()
        parser.feed(path.read_text(encoding="utf-8"))
        found[path.relative_to(output).as_posix()] = parser
    return found


def every_kind(body: str) -> dict[str, str]:
    metric = {"date": "2026-01-01", "value": 1}
    return {
        "content/goals/g.md": goal("G", "in-progress", metrics="[{metric: m, target: 2}]") + body,
        "content/releases/1.0.0.md": (
            "---\nversion: 1.0.0\ndate: 2026-01-01\ngoals: [g]\nhighlights: [A]\n"
            "breaking: [B]\nchanges: {added: [C], fixed: [D]}\nmetrics: [{metric: m, target: 2}]"
            "\n---\n" + body
        ),
        "content/releases/2.0.0.md": "---\nversion: 2.0.0\nstatus: planned\n---\n" + body,
        "content/reflections/r.md": (
            "---\ntitle: R\ndate: 2026-01-02\nwins: [W]\nsetbacks: [S]\nlearnings: [L]\n"
            "next: [N]\ngoals: [g]\n---\n" + body
        ),
        "content/metrics/m.yaml": f"name: M\npoints: [{metric}]\nbody: {body!r}\n".replace(
            "'", '"'
        ),
        "content/pages/about.md": "---\ntitle: About\n---\n" + body,
    }


def test_headings_and_footnotes_never_take_the_themes_ids(make_site: MakeSite) -> None:
    # Every id the theme writes on any page, as a heading in every body, plus footnotes.
    theme_ids = set()
    for parsed in ids_of(build(make_site(every_kind("Body.\n")))).values():
        theme_ids.update(parsed.ids)
    names = sorted(theme_ids | {"main", "metrics-heading", "releases-heading", "data-heading"})
    body = "".join(
        f"## {name.replace('-', ' ')}\n\nText[^{i}].\n\n" for i, name in enumerate(names)
    )
    body += "".join(f"[^{i}]: Note {i}.\n" for i in range(len(names)))
    output = build(make_site(every_kind(body.replace('"', ""))))
    for path, parsed in ids_of(output).items():
        doubles = [name for name, count in parsed.ids.items() if count > 1]
        assert not doubles, (path, doubles)
        missing = [name for name in parsed.references if name not in parsed.ids]
        assert not missing, (path, missing)
    goal_page = page(output, "goals/g/index.html")
    assert '<h2 id="main">main</h2>' in goal_page  # content anchors stay readable
    assert '<main id="pm--main" class="wrap">' in goal_page
    assert 'href="#pm--main"' in goal_page


# -- 15. inline Markdown in summaries ---------------------------------------------------------


def test_summaries_show_their_inline_markdown_on_list_pages(make_site: MakeSite) -> None:
    summary = "'Preview with `pmsite serve` and **no** [setup](https://example.org/)'"
    site = make_site(
        {
            "content/goals/g.md": goal("G", "in-progress", summary=summary, tags="[t]"),
            "content/goals/d.md": goal("D", "dropped", summary=summary),
            "content/releases/1.0.0.md": (
                f"---\nversion: 1.0.0\ndate: 2026-01-01\nsummary: {summary}\n---\n"
            ),
            "content/reflections/r.md": (
                f"---\ntitle: R\ndate: 2026-01-02\nsummary: {summary}\n---\n"
            ),
            "content/metrics/m.yaml": f"name: M\nsummary: {summary}\n",
            "content/pages/about.md": f"---\ntitle: About\nsummary: {summary}\n---\n",
        }
    )
    output = build(site)
    html = (
        "Preview with <code>pmsite serve</code> and <strong>no</strong>"
        ' <a href="https://example.org/">setup</a>'
    )
    pages = [
        "index.html",  # goal cards, the latest release, the latest reflection
        "roadmap/index.html",  # cards and the dropped list
        "releases/index.html",
        "reflections/index.html",
        "tags/t/index.html",
        "goals/g/index.html",
        "releases/1.0.0/index.html",
        "reflections/r/index.html",
        "metrics/m/index.html",
        "about/index.html",
    ]
    for path in pages:
        text = page(output, path)
        assert html in text, path
        assert "`pmsite serve`" not in text, path
    # The page's description is plain text, without the marks.
    assert '<meta name="description" content="Preview with pmsite serve and no setup">' in page(
        output, "goals/g/index.html"
    )


def test_a_summary_that_looks_like_a_block_stays_text(make_site: MakeSite) -> None:
    site = make_site({"content/goals/g.md": goal("G", "in-progress", summary="'2026. A year'")})
    card = page(build(site), "index.html")
    assert '<p class="card-summary">2026. A year</p>' in card

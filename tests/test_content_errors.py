"""Every field rule of the content format, checked through the real loader.

Each case is a small site and the exact 'file:line: message' the user must see.
"""

from __future__ import annotations

import pytest

from .conftest import MakeSite, errors_of, goal

CASES = {
    "goal missing title": (
        {"content/goals/a.md": "---\nstatus: planned\n---\n"},
        "content/goals/a.md:2: title: missing required field",
    ),
    "goal missing status": (
        {"content/goals/a.md": "---\ntitle: A\n---\n"},
        "content/goals/a.md:2: status: missing required field",
    ),
    "goal unknown status": (
        {"content/goals/a.md": goal(status="in-progres")},
        "content/goals/a.md:3: status: unknown value 'in-progres' (did you mean 'in-progress'?);"
        " allowed: planned, in-progress, at-risk, done, dropped",
    ),
    "goal unknown horizon": (
        {"content/goals/a.md": goal(horizon="soon")},
        "content/goals/a.md:4: horizon: unknown value 'soon'; allowed: now, next, later",
    ),
    "goal bad target": (
        {"content/goals/a.md": goal(target="2027-Q5")},
        "content/goals/a.md:4: target: '2027-Q5' is not a target;"
        " use 2027-Q1, 2027-H1, 2027-03 or 2027-03-31",
    ),
    "goal priority not integer": (
        {"content/goals/a.md": goal(priority="high")},
        "content/goals/a.md:4: priority: must be a whole number, got text",
    ),
    "goal priority zero": (
        {"content/goals/a.md": goal(priority="0")},
        "content/goals/a.md:4: priority: must be 1 or more (1 is the highest), got 0",
    ),
    "goal title is a list": (
        {"content/goals/a.md": "---\ntitle: [a, b]\nstatus: done\n---\n"},
        "content/goals/a.md:2: title: must be text, got a list",
    ),
    "goal title is a number": (
        {"content/goals/a.md": "---\ntitle: 2027\nstatus: done\n---\n"},
        "content/goals/a.md:2: title: must be text, got a whole number (put it in quotes)",
    ),
    "unknown key with suggestion": (
        {"content/goals/a.md": goal(owenr="Dana")},
        "content/goals/a.md:4: owenr: unknown field (did you mean 'owner'?)",
    ),
    "tags not a list of text": (
        {"content/goals/a.md": goal(tags="[1, [x]]")},
        "content/goals/a.md:4: tags: each entry must be text, got a whole number",
    ),
    "draft not a bool": (
        {"content/goals/a.md": goal(draft="yes please")},
        "content/goals/a.md:4: draft: must be true or false, got text",
    ),
    "goal metric unknown": (
        {"content/goals/a.md": goal(metrics="[{metric: nps, target: 50}]")},
        "content/goals/a.md:4: metrics: unknown metric 'nps'",
    ),
    "goal metric without target": (
        {
            "content/goals/a.md": goal(metrics="[{metric: nps}]"),
            "content/metrics/nps.yaml": "name: NPS\n",
        },
        "content/goals/a.md:4: metrics item 1: target: missing required field",
    ),
    "goal inline metric bad direction": (
        {"content/goals/a.md": goal(metrics="[{name: x, target: 1, direction: upward}]")},
        "content/goals/a.md:4: metrics item 1: direction: unknown value 'upward'",
    ),
    "goal inline metric unknown key": (
        {"content/goals/a.md": goal(metrics="[{name: x, target: 1, goal: 3}]")},
        "content/goals/a.md:4: metrics item 1: goal: unknown field",
    ),
    "goal metric not a mapping": (
        {"content/goals/a.md": goal(metrics="[nps]")},
        "content/goals/a.md:4: metrics item 1: must be {metric: <slug>, target: N}",
    ),
    "release missing version": (
        {"content/releases/r.md": "---\ndate: 2026-01-01\n---\n"},
        "content/releases/r.md:2: version: missing required field",
    ),
    "release invalid semver": (
        {"content/releases/r.md": "---\nversion: 1.2\ndate: 2026-01-01\n---\n"},
        "content/releases/r.md:2: version: must be text, got a number (put it in quotes)",
    ),
    "release path trick version": (
        {"content/releases/r.md": "---\nversion: ../../x\ndate: 2026-01-01\n---\n"},
        "content/releases/r.md:2: version: '../../x' is not a SemVer 2.0.0 version",
    ),
    "release leading zero version": (
        {"content/releases/r.md": "---\nversion: 01.2.3\ndate: 2026-01-01\n---\n"},
        "content/releases/r.md:2: version: '01.2.3' is not a SemVer 2.0.0 version",
    ),
    "release missing date": (
        {"content/releases/r.md": "---\nversion: 1.0.0\n---\n"},
        "content/releases/r.md:2: date: missing required field: the day it was released,"
        " e.g. date: 2026-11-15; a release that is not out yet needs status: planned",
    ),
    "release bad date": (
        {"content/releases/r.md": "---\nversion: 1.0.0\ndate: 30/03/2026\n---\n"},
        "content/releases/r.md:3: date: '30/03/2026' is not a date; write it as YYYY-MM-DD",
    ),
    "release impossible date": (
        {"content/releases/r.md": "---\nversion: 1.0.0\ndate: 2026-02-30\n---\n"},
        "content/releases/r.md:3: date: '2026-02-30' is not a date (day is out of range for"
        " month); write it as YYYY-MM-DD",
    ),
    "release unknown status": (
        {"content/releases/r.md": "---\nversion: 1.0.0\nstatus: shipped\n---\n"},
        "content/releases/r.md:3: status: unknown value 'shipped'; allowed: released, planned",
    ),
    "release unknown change category": (
        {
            "content/releases/r.yaml": (
                "version: 1.0.0\ndate: 2026-01-01\nchanges:\n  fixes:\n    - a bug\n"
            )
        },
        "content/releases/r.yaml:4: changes: fixes: unknown change category"
        " (did you mean 'fixed'?)",
    ),
    "release changes not a mapping": (
        {"content/releases/r.yaml": "version: 1.0.0\ndate: 2026-01-01\nchanges: [a]\n"},
        "content/releases/r.yaml:3: changes: must be a mapping",
    ),
    "release unknown goal": (
        {
            "content/goals/offline-mode.md": goal(),
            "content/releases/1.9.0.md": (
                "---\nversion: 1.9.0\ndate: 2026-01-01\ngoals:\n  - offline-mod\n---\n"
            ),
        },
        "content/releases/1.9.0.md:5: goals: unknown goal 'offline-mod'"
        " (did you mean 'offline-mode'?)",
    ),
    "release yanked not bool": (
        {"content/releases/r.md": "---\nversion: 1.0.0\ndate: 2026-01-01\nyanked: maybe\n---\n"},
        "content/releases/r.md:4: yanked: must be true or false, got text",
    ),
    "duplicate version": (
        {
            "content/releases/a.md": "---\nversion: 1.0.0\ndate: 2026-01-01\n---\n",
            "content/releases/b.md": "---\nversion: 1.0.0\ndate: 2026-01-02\n---\n",
        },
        "content/releases/b.md:2: duplicate release version '1.0.0':"
        " also used by content/releases/a.md",
    ),
    "duplicate slug across formats": (
        {"content/goals/a.md": goal(), "content/goals/a.yaml": "title: A\nstatus: done\n"},
        "content/goals/a.yaml:1: duplicate goal slug 'a': also used by content/goals/a.md",
    ),
    "reflection missing date": (
        {"content/reflections/r.md": "---\ntitle: R\n---\n"},
        "content/reflections/r.md:2: date: missing required field",
    ),
    "reflection bad period": (
        {"content/reflections/r.md": "---\ntitle: R\ndate: 2026-01-01\nperiod: year\n---\n"},
        "content/reflections/r.md:4: period: unknown value 'year';"
        " allowed: day, week, sprint, month, quarter, release, other",
    ),
    "reflection unknown release": (
        {
            "content/releases/r.md": "---\nversion: 1.0.0\ndate: 2026-01-01\n---\n",
            "content/reflections/r.md": (
                "---\ntitle: R\ndate: 2026-01-01\nreleases: ['1.0.1']\n---\n"
            ),
        },
        "content/reflections/r.md:4: releases: unknown release '1.0.1' (did you mean '1.0.0'?)",
    ),
    "reflection wins not a list of text": (
        {"content/reflections/r.md": "---\ntitle: R\ndate: 2026-01-01\nwins: [{a: 1}]\n---\n"},
        "content/reflections/r.md:4: wins: each entry must be text, got a mapping (text with ': '",
    ),
    "metric missing name": (
        {"content/metrics/m.yaml": "unit: x\n"},
        "content/metrics/m.yaml:1: name: missing required field",
    ),
    "metric point without value": (
        {"content/metrics/m.yaml": "name: M\npoints:\n  - {date: 2026-01-01}\n"},
        "content/metrics/m.yaml:3: points item 1: value: missing required field",
    ),
    "metric point bad value": (
        {"content/metrics/m.yaml": "name: M\npoints:\n  - {date: 2026-01-01, value: lots}\n"},
        "content/metrics/m.yaml:3: points item 1: value: must be a number, got text",
    ),
    "metric point not finite": (
        {"content/metrics/m.yaml": "name: M\npoints:\n  - {date: 2026-01-01, value: .nan}\n"},
        "content/metrics/m.yaml:3: points item 1: value: must be a finite number, got nan",
    ),
    "metric csv missing": (
        {"content/metrics/m.yaml": "name: M\ncsv: m.csv\n"},
        "content/metrics/m.yaml:2: csv: file 'm.csv' not found next to m.yaml",
    ),
    "metric csv bad row": (
        {
            "content/metrics/m.yaml": "name: M\ncsv: m.csv\n",
            "content/metrics/m.csv": "date,value\n2026-01-01,3\n2026-13-01,4\n",
        },
        "content/metrics/m.csv:3: date: '2026-13-01' is not a date (month must be in 1..12);"
        " write it as YYYY-MM-DD",
    ),
    "metric csv outside content": (
        {"content/metrics/m.yaml": "name: M\ncsv: ../../secret.csv\n"},
        "content/metrics/m.yaml:2: csv: '../../secret.csv' is outside content/",
    ),
    "metric points and csv": (
        {"content/metrics/m.yaml": "name: M\ncsv: m.csv\npoints: []\n"},
        "content/metrics/m.yaml:2: csv: give either 'points' or 'csv', not both",
    ),
    "page missing title": (
        {"content/pages/about.md": "---\nsummary: x\n---\nHi\n"},
        "content/pages/about.md:2: title: missing required field",
    ),
    "page reserved slug": (
        {"content/pages/roadmap.md": "---\ntitle: R\n---\n"},
        "content/pages/roadmap.md: page slug 'roadmap' is taken by pmsite's own /roadmap/",
    ),
    "no front matter": (
        {"content/pages/about.md": "# About\n"},
        "content/pages/about.md:1: no front matter: the file must start with a '---' line",
    ),
    "front matter never closed": (
        {"content/pages/about.md": "---\ntitle: About\n"},
        "content/pages/about.md:1: front matter is never closed",
    ),
    "yaml syntax error with line": (
        {"content/goals/a.md": "---\ntitle: A\nstatus: [planned\n---\n"},
        "content/goals/a.md:4: YAML syntax error",
    ),
    "front matter is a list": (
        {"content/goals/a.md": "---\n- a\n---\n"},
        "content/goals/a.md:2: front matter must be a YAML mapping",
    ),
    "not utf-8": (
        {"content/goals/a.md": b"---\ntitle: caf\xe9\nstatus: done\n---\n"},
        "content/goals/a.md:2: file is not UTF-8 (byte 0xe9); save it as UTF-8",
    ),
    "bad slug file name": (
        {"content/goals/a b.md": goal()},
        "content/goals/a b.md: file name 'a b' cannot be a URL slug",
    ),
    "unknown content folder": (
        {"content/goal/a.md": goal()},
        "content/goal: unknown content folder 'goal' (did you mean 'goals'?)",
    ),
    "wrong file type in goals": (
        {"content/goals/a.txt": "hello"},
        "content/goals/a.txt: not a content file",
    ),
    "site title missing": (
        {"content/site.yaml": "description: x\n"},
        "content/site.yaml:1: title: missing required field",
    ),
    "site base_url relative": (
        {"content/site.yaml": "title: T\nbase_url: /p/\n"},
        "content/site.yaml:2: base_url: '/p/' must be an absolute http(s) URL",
    ),
    "site base_url no slash": (
        {"content/site.yaml": "title: T\nbase_url: https://x.org/p\n"},
        "content/site.yaml:2: base_url: 'https://x.org/p' must end with '/'",
    ),
    "site unknown key": (
        {"content/site.yaml": "title: T\nbaseurl: https://x.org/\n"},
        "content/site.yaml:2: baseurl: unknown field (did you mean 'base_url'?)",
    ),
    "site markdown option unknown": (
        {"content/site.yaml": "title: T\nmarkdown:\n  unsafe: true\n"},
        "content/site.yaml:3: markdown: unsafe: unknown field (did you mean 'unsafe_html'?)",
    ),
    "tag without letters": (
        {"content/goals/a.md": goal(tags="['//']")},
        "content/goals/a.md:4: tags: '//' has no letters or digits",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_content_error(make_site: MakeSite, case: str) -> None:
    files, expected = CASES[case]
    site = make_site(files)
    messages = errors_of(site)
    assert any(message.startswith(expected) for message in messages), messages


def test_every_problem_is_reported_in_one_run(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/goals/a.md": goal(status="wip"),
            "content/goals/b.md": goal(target="soon"),
            "content/releases/r.md": "---\nversion: nope\ndate: 2026-01-01\n---\n",
        }
    )
    messages = errors_of(site)
    assert len(messages) == 3
    assert [m.split(":")[0] for m in messages] == [
        "content/goals/a.md",
        "content/goals/b.md",
        "content/releases/r.md",
    ]

"""The roadmap's history from git (issue 15), through the real CLI on real repositories
whose commits are dated with GIT_AUTHOR_DATE and GIT_COMMITTER_DATE: pages, feeds
(feedparser), roadmap.json, ``pmsite changes`` and ``pmsite check --base``.

The repository, commit by commit (all times 10:00 UTC):

    2026-01-10  Plan the year          alpha (Q2, next, high), beta (later, Q4), gamma (Q3),
                                       epsilon (Q3), 1.0.0 and 1.1.0 planned, activation 30 %
    2026-01-12  Sketch Nightingale ... drafts delta (Q1) and Nightingale; an internal goal
    2026-02-15  Start alpha            alpha in progress (Next -> Now)
    2026-03-01  Activation check-in    activation 38 %
    2026-04-01  Beta moves to Next     beta horizon next; activation 41 %
    2026-05-20  Push alpha to Q3       alpha target Q2 -> Q3, confidence medium, conflicts 12 -> 6
    2026-06-10  Drop gamma             gamma dropped
    2026-06-15  (branch feature) Move beta into a sub-folder    goals/beta.md -> goals/2026/
    2026-06-20  (branch feature) Beta moves to Now        and zeta is added (in Later)
    2026-06-22  Publish delta; polish Nightingale      delta published (Q4); a draft edited
    2026-06-25  Merge branch 'feature'                 a merge commit
    2026-07-10  Release 1.0.0          1.0.0 released (one quarter late); epsilon done (on time)
    2026-08-01  Ship alpha             alpha done (a quarter late); 1.1.0 released on time
    2026-08-05  Break gamma            gamma's YAML is broken (a revision to skip)
    2026-08-06  Fix gamma              gamma as it was
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest

from pmsite.serve import PreviewServer

from .conftest import ROOT, run_pmsite

DAY = "T10:00:00+00:00"
SITE_YAML = """\
title: Acme
base_url: https://example.org/acme/
repo_url: https://github.com/acme/roadmap
"""
SECRETS = ("Nightingale", "Staff Lounge", "Sketch")  # never in a public build


def goal(title: str, status: str = "planned", **fields: object) -> str:
    lines = [f"title: {title}", f"status: {status}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\nWhy it matters.\n"


ALPHA = """\
---
title: Alpha
status: {status}
target: {target}
owner: Dana
confidence: {confidence}
metrics:
  - metric: activation
    target: 60
  - name: Sync conflicts
    unit: per 1k saves
    baseline: 12
    current: {conflicts}
    target: 2
    direction: down
---
Alpha's body.
"""


def alpha(
    status: str = "planned", target: str = "2026-Q2", confidence: str = "high", conflicts: int = 12
) -> str:
    return ALPHA.format(status=status, target=target, confidence=confidence, conflicts=conflicts)


def release(version: str, title: str, status: str = "planned", **fields: object) -> str:
    lines = [f"version: {version}", f"title: {title}", f"status: {status}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\nNotes.\n"


def activation(*values: int) -> str:
    months = ("2026-01-01", "2026-03-01", "2026-04-01", "2026-05-01")
    points = "".join(
        f"  - {{date: {day}, value: {value}}}\n" for day, value in zip(months, values, strict=False)
    )
    return f"name: Activation rate\nunit: '%'\ndirection: up\npoints:\n{points}"


class Repo:
    """A site in a git repository with dated commits."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.commits: dict[str, str] = {}  # subject -> commit id
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, date: str = "2026-01-01") -> str:
        when = date + DAY
        env = {
            **os.environ,
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_DATE": when,
            "GIT_AUTHOR_NAME": "Pat",
            "GIT_AUTHOR_EMAIL": "pat@example.org",
            "GIT_COMMITTER_NAME": "Pat",
            "GIT_COMMITTER_EMAIL": "pat@example.org",
        }
        result = subprocess.run(
            ["git", *args], cwd=self.root, check=True, capture_output=True, text=True, env=env
        )
        return result.stdout.strip()

    @classmethod
    def clone(cls, repo: Repo, root: Path) -> Repo:
        """A full clone of ``repo`` at ``root`` (its commits known by subject)."""
        subprocess.run(["git", "clone", "-q", str(repo.root), str(root)], check=True)
        clone = cls.__new__(cls)
        clone.root, clone.commits = root, dict(repo.commits)
        return clone

    def write(self, files: dict[str, str]) -> None:
        for name, text in files.items():
            path = self.root / "content" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")

    def commit(self, date: str, subject: str, files: dict[str, str] | None = None) -> str:
        self.write(files or {})
        self.git("add", "-A", date=date)
        self.git("commit", "-q", "-m", subject, date=date)
        self.commits[subject] = self.git("rev-parse", "HEAD")
        return self.commits[subject]


def make_history(root: Path) -> Repo:
    repo = Repo(root)
    repo.commit(
        "2026-01-10",
        "Plan the year",
        {
            "site.yaml": SITE_YAML,
            "goals/alpha.md": alpha(),
            "goals/beta.md": goal("Beta", horizon="later", target="2026-Q4", confidence="low"),
            "goals/gamma.md": goal("Gamma", target="2026-Q3"),
            "goals/epsilon.md": goal("Epsilon", target="2026-Q3"),
            "releases/1.0.0.md": release("1.0.0", "First light", target="2026-Q2"),
            "releases/1.1.0.md": release("1.1.0", "Second wind", target="2026-Q3"),
            "metrics/activation.yaml": activation(30),
        },
    )
    repo.commit(
        "2026-01-12",
        "Sketch Nightingale and the Staff Lounge",
        {
            "goals/delta.md": goal("Delta", target="2026-Q1", draft="true"),
            "goals/secret.md": goal("Project Nightingale", target="2026-Q1", draft="true"),
            "goals/inside.md": goal("Staff Lounge", target="2026-Q2", audience="internal"),
        },
    )
    repo.commit("2026-02-15", "Start alpha", {"goals/alpha.md": alpha("in-progress")})
    repo.commit(
        "2026-03-01", "Activation check-in", {"metrics/activation.yaml": activation(30, 38)}
    )
    repo.commit(
        "2026-04-01",
        "Beta moves to Next",
        {
            "goals/beta.md": goal("Beta", horizon="next", target="2026-Q4", confidence="low"),
            "metrics/activation.yaml": activation(30, 38, 41),
        },
    )
    repo.commit(
        "2026-05-20",
        "Push alpha to Q3",
        {"goals/alpha.md": alpha("in-progress", "2026-Q3", "medium", conflicts=6)},
    )
    repo.commit(
        "2026-06-10", "Drop gamma", {"goals/gamma.md": goal("Gamma", "dropped", target="2026-Q3")}
    )
    repo.git("checkout", "-q", "-b", "feature", date="2026-06-15")
    (root / "content/goals/2026").mkdir()
    repo.git("mv", "content/goals/beta.md", "content/goals/2026/beta.md", date="2026-06-15")
    repo.commit("2026-06-15", "Move beta into a sub-folder")
    beta_now = goal("Beta", horizon="now", target="2026-Q4", confidence="low")
    zeta = goal("Zeta", horizon="later")
    repo.commit(
        "2026-06-20", "Beta moves to Now", {"goals/2026/beta.md": beta_now, "goals/zeta.md": zeta}
    )
    repo.git("checkout", "-q", "main", date="2026-06-21")
    repo.commit(
        "2026-06-22",
        "Publish delta; polish Nightingale",
        {
            "goals/delta.md": goal("Delta", target="2026-Q4"),
            "goals/secret.md": goal("Project Nightingale", target="2026-Q2", draft="true"),
        },
    )
    repo.git("merge", "-q", "--no-ff", "feature", "-m", "Merge branch 'feature'", date="2026-06-25")
    repo.commits["Merge branch 'feature'"] = repo.git("rev-parse", "HEAD")
    repo.commit(
        "2026-07-10",
        "Release 1.0.0",
        {
            "releases/1.0.0.md": release("1.0.0", "First light", "released", date="2026-07-10"),
            "goals/epsilon.md": goal("Epsilon", "done", target="2026-Q3"),
        },
    )
    repo.commit(
        "2026-08-01",
        "Ship alpha",
        {
            "goals/alpha.md": alpha("done", "2026-Q3", "medium", conflicts=6),
            "releases/1.1.0.md": release("1.1.0", "Second wind", "released", date="2026-08-01"),
        },
    )
    repo.commit(
        "2026-08-05", "Break gamma", {"goals/gamma.md": "---\ntitle: Gamma\nstatus: [\n---\n"}
    )
    repo.commit(
        "2026-08-06", "Fix gamma", {"goals/gamma.md": goal("Gamma", "dropped", target="2026-Q3")}
    )
    return repo


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return make_history(tmp_path_factory.mktemp("history") / "roadmap")


@pytest.fixture(scope="module")
def built(repo: Repo) -> Path:
    result = run_pmsite("build", "--site", repo.root)
    assert result.returncode == 0, result.stderr
    return repo.root / "output"


def read(output: Path, name: str) -> str:
    return (output / name).read_text(encoding="utf-8")


def text_of(html: str) -> str:
    """The words of an HTML fragment, tags removed, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").split())


def history_section(page: str) -> str:
    start = page.index('<section id="history"')
    return page[start : page.index("</section>", start)]


def entries(section: str) -> list[str]:
    """Each history entry (one commit) of a page as text."""
    parts = section.split('<li class="history-entry"')[1:]
    return [text_of(part.split(">", 1)[1]) for part in parts]


# -- goal and release pages -------------------------------------------------------------


def test_a_goal_page_tells_its_history_newest_first(built: Path, repo: Repo) -> None:
    page = read(built, "goals/alpha/index.html")
    history = entries(history_section(page))
    short = {subject: commit[:7] for subject, commit in repo.commits.items()}
    assert history == [
        f"1 August 2026 · Ship alpha · commit {short['Ship alpha']} Status: In progress → Done",
        f"20 May 2026 · Push alpha to Q3 · commit {short['Push alpha to Q3']}"
        " Slipped Target slipped from 2026-Q2 to 2026-Q3 Confidence: High → Medium"
        " Sync conflicts check-in: 12 per 1k saves → 6 per 1k saves",
        f"1 April 2026 · Beta moves to Next · commit {short['Beta moves to Next']}"
        " Activation rate check-in: 38 % → 41 %",
        f"1 March 2026 · Activation check-in · commit {short['Activation check-in']}"
        " Activation rate check-in: 30 % → 38 %",
        f"15 February 2026 · Start alpha · commit {short['Start alpha']}"
        " Status: Planned → In progress Moved from Next to Now",
        f"10 January 2026 · Plan the year · commit {short['Plan the year']}"
        " Added to the roadmap in Next, target 2026-Q2",
    ]
    slip = repo.commits["Push alpha to Q3"]
    assert f'id="pm--change-{slip[:12]}"' in page
    assert f'href="https://github.com/acme/roadmap/commit/{slip}"' in page
    assert '<span class="badge badge-slip">Slipped</span>' in page
    facts = text_of(page[page.index('<dl class="facts">') : page.index("</dl>")])
    assert "Target 2026-Q3, originally 2026-Q2" in facts
    assert "Confidence ■ Medium confidence" in facts
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert 'href="../../goals/alpha/feed.xml"' in page


def test_moves_a_move_to_a_sub_folder_and_a_merge(built: Path, repo: Repo) -> None:
    beta = entries(history_section(read(built, "goals/beta/index.html")))
    assert [line.split(" · ")[1] for line in beta] == [
        "Beta moves to Now",
        "Beta moves to Next",
        "Plan the year",
    ]
    assert beta[0].endswith("Moved from Next to Now")  # on its branch, not again at the merge
    assert beta[1].endswith("Moved from Later to Next")
    assert beta[2].endswith("Added to the roadmap in Later, target 2026-Q4")
    # the move is no change at all: no "Removed", no second "Added"
    assert "Removed" not in read(built, "changes/index.html")
    assert repo.commits["Merge branch 'feature'"][:12] not in read(built, "changes/index.html")
    zeta = entries(history_section(read(built, "goals/zeta/index.html")))
    assert [line.split(" · ")[1] for line in zeta] == ["Beta moves to Now"]  # not the merge
    assert zeta[0].endswith("Added to the roadmap in Later")


def test_a_body_heading_history_never_takes_the_sections_id(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "headings")
    body = goal("A").replace("Why it matters.", "## History\n\nHow it started.")
    repo.commit("2026-03-01", "Plan", {"site.yaml": SITE_YAML, "goals/a.md": body})
    assert run_pmsite("build", "--site", repo.root).returncode == 0
    page = read(repo.root / "output", "goals/a/index.html")
    assert page.count('id="history"') == 1
    assert '<section id="history"' in page
    assert '<h2 id="history_1">History</h2>' in page


def test_a_release_renumbered_in_its_file(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "renumbered")
    repo.commit(
        "2026-03-01",
        "Plan 2.0",
        {"site.yaml": "title: T\n", "releases/next.md": release("2.0.0", "Big", target="2026-Q3")},
    )
    repo.commit(
        "2026-04-01", "Call it 1.5", {"releases/next.md": release("1.5.0", "Big", target="2026-Q3")}
    )
    result = run_pmsite("changes", "--site", repo.root, "--format", "json")
    assert result.returncode == 0, result.stderr
    found = [(c["date"], c["item"]["slug"], c["kind"]) for c in json.loads(result.stdout)]
    assert found == [
        ("2026-04-01", "1.5.0", "added"),
        ("2026-04-01", "2.0.0", "removed"),
        ("2026-03-01", "2.0.0", "added"),
    ]


def test_dropped_and_a_broken_revision_skipped(built: Path, repo: Repo) -> None:
    gamma = entries(history_section(read(built, "goals/gamma/index.html")))
    assert [line.split(" · ")[1] for line in gamma] == ["Drop gamma", "Plan the year"]
    assert gamma[0].endswith("Status: Planned → Dropped")
    result = run_pmsite("changes", "--site", repo.root)
    assert result.returncode == 0
    assert (
        "note: skipped content/goals/gamma.md:4: YAML syntax error" in result.stderr
        and f"(in commit {repo.commits['Break gamma'][:7]} of 2026-08-05)" in result.stderr
    )


def test_a_draft_is_never_revealed(built: Path, repo: Repo) -> None:
    for path in built.rglob("*"):
        if path.is_file():
            data = path.read_text(encoding="utf-8", errors="replace")
            for secret in SECRETS:
                assert secret not in data, (secret, path)
    delta = read(built, "goals/delta/index.html")
    assert (
        entries(history_section(delta))
        == [  # the subject names a draft: withheld
            "22 June 2026 · commit {} Added to the roadmap in Next, target 2026-Q4".format(
                repo.commits["Publish delta; polish Nightingale"][:7]
            )
        ]
    )
    assert "originally" not in delta  # its target while a draft is not its original one
    roadmap = json.loads(read(built, "roadmap.json"))
    assert next(g for g in roadmap["goals"] if g["slug"] == "delta")["original_target"] == "2026-Q4"


def test_the_drafts_build_shows_drafts_history(repo: Repo, tmp_path: Path) -> None:
    result = run_pmsite("build", "--site", repo.root, "--drafts", "--output", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    delta = entries(history_section(read(tmp_path / "out", "goals/delta/index.html")))
    assert delta[0].startswith("22 June 2026 · Publish delta; polish Nightingale · commit")
    assert delta[0].endswith("Slipped Target slipped from 2026-Q1 to 2026-Q4")
    assert delta[1].endswith("Added to the roadmap in Next, target 2026-Q1")
    secret = read(tmp_path / "out", "goals/secret/index.html")
    assert "Target slipped from 2026-Q1 to 2026-Q2" in secret


def test_a_release_that_shipped_late(built: Path) -> None:
    late = text_of(read(built, "releases/1.0.0/index.html"))
    assert "Planned for 2026-Q2, released 10 July 2026 (one quarter late)" in late
    on_time = text_of(read(built, "releases/1.1.0/index.html"))
    assert "Planned for 2026-Q3, released 1 August 2026 (on time)" in on_time


def test_confidence_on_cards_and_checked(built: Path, tmp_path: Path) -> None:
    board = read(built, "roadmap/index.html")
    card = board[board.index('href="../goals/beta/"') :]
    assert "Low confidence" in text_of(card[: card.index("</article>")])
    site = tmp_path / "site"
    (site / "content/goals").mkdir(parents=True)
    (site / "content/site.yaml").write_text("title: T\n")
    (site / "content/goals/a.md").write_text(goal("A", confidence="sure"))
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 1
    assert (
        "content/goals/a.md:4: confidence: unknown value 'sure'; allowed: high, medium, low"
        in result.stderr
    )
    assert "Traceback" not in result.stderr


# -- changes/, feeds, roadmap.json -------------------------------------------------------


def test_the_changes_page(built: Path, repo: Repo) -> None:
    page = read(built, "changes/index.html")
    assert "<h1>What changed on the roadmap</h1>" in page
    months = re.findall(r'<h2 id="pm--month-\d+">([^<]+)</h2>', page)
    assert months == [
        "August 2026",
        "July 2026",
        "June 2026",
        "May 2026",
        "April 2026",
        "March 2026",
        "February 2026",
        "January 2026",
    ]
    recent = text_of(page[page.index('<h2 id="pm--recent-heading"') : page.index("</section>")])
    assert recent == (
        "The last 30 days 3 July 2026 to 1 August 2026 Added 0 Slipped 0"
        " Moved into Now 0 Done 2 Dropped 0 Released 2"
    )
    ship = page[page.index(f'id="pm--commit-{repo.commits["Ship alpha"][:12]}"') :]
    ship = ship[: ship.index('<li class="history-entry"')]
    assert '<a href="../goals/alpha/">Alpha</a>: Status: In progress → Done' in ship
    assert '<a href="../releases/1.1.0/">1.1.0 Second wind</a>: Released 1 August 2026' in ship
    assert '<a href="../metrics/activation/">Activation rate check-in: 38 % → 41 %</a>' in page
    assert "Break gamma" not in page and "Fix gamma" not in page  # no visible change
    assert "shallow" not in page


def test_every_page_links_the_changes_feed(built: Path) -> None:
    for name in ("index.html", "roadmap/index.html", "goals/alpha/index.html", "404.html"):
        assert (
            '<link rel="alternate" type="application/atom+xml" title="Acme roadmap changes (Atom)"'
            in read(built, name)
        )


def test_the_changes_feed(built: Path, repo: Repo) -> None:
    feed = feedparser.parse(read(built, "changes/feed.xml"))
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Acme roadmap changes"
    titles = [entry.title for entry in feed.entries]
    assert titles == [
        "Ship alpha",
        "Release 1.0.0",
        "Roadmap changes of 22 June 2026",  # the subject names a draft: withheld
        "Beta moves to Now",
        "Drop gamma",
        "Push alpha to Q3",
        "Beta moves to Next",
        "Activation check-in",
        "Start alpha",
        "Plan the year",
    ]
    first = feed.entries[0]
    assert (
        first.link
        == f"https://example.org/acme/changes/#pm--commit-{repo.commits['Ship alpha'][:12]}"
    )
    assert first.published == "2026-08-01T10:00:00Z"
    content = first.content[0].value
    assert '<a href="https://example.org/acme/goals/alpha/">Alpha</a>' in content
    assert "Released 1 August 2026 (planned for 2026-Q3: on time)" in content
    assert len({entry.id for entry in feed.entries}) == len(feed.entries)


def test_feed_limit_applies(repo: Repo, tmp_path: Path) -> None:
    site = tmp_path / "limited"
    shutil.copytree(repo.root, site, ignore=shutil.ignore_patterns("output", ".pmsite-cache"))
    (site / "content/site.yaml").write_text(SITE_YAML + "feed_limit: 3\n")
    assert run_pmsite("build", "--site", site).returncode == 0
    feed = feedparser.parse((site / "output/changes/feed.xml").read_text())
    assert [entry.title for entry in feed.entries] == [
        "Ship alpha",
        "Release 1.0.0",
        "Roadmap changes of 22 June 2026",
    ]


def test_a_goal_feed(built: Path) -> None:
    feed = feedparser.parse(read(built, "goals/alpha/feed.xml"))
    assert not feed.bozo, feed.bozo_exception
    assert [entry.title for entry in feed.entries][:2] == [
        "Alpha: Status: In progress → Done",
        "Alpha: Target slipped from 2026-Q2 to 2026-Q3; Confidence: High → Medium;"
        " Sync conflicts check-in: 12 per 1k saves → 6 per 1k saves",
    ]
    assert len(feed.entries) == 6
    assert feed.entries[1].link.startswith("https://example.org/acme/goals/alpha/#pm--change-")
    assert "<strong>Slipped:</strong>" in feed.entries[1].content[0].value


def test_roadmap_json(built: Path, repo: Repo) -> None:
    roadmap = json.loads(read(built, "roadmap.json"))
    assert roadmap["version"] == 2
    assert roadmap["planning_accuracy"] == {
        "goals": 0.5,
        "mean_slip_quarters": 0.5,
        "releases": 0.5,
    }
    alpha_entry = next(g for g in roadmap["goals"] if g["slug"] == "alpha")
    assert alpha_entry["original_target"] == "2026-Q2"
    assert alpha_entry["target"] == "2026-Q3"
    assert alpha_entry["confidence"] == "medium"
    assert alpha_entry["progress"] == 1.0
    slip = next(c for c in alpha_entry["history"] if c["kind"] == "target")
    assert slip == {
        "date": "2026-05-20",
        "commit": repo.commits["Push alpha to Q3"],
        "message": "Push alpha to Q3",
        "item": {"kind": "goal", "slug": "alpha", "title": "Alpha"},
        "kind": "target",
        "from": "2026-Q2",
        "to": "2026-Q3",
        "slip": True,
    }
    added = alpha_entry["history"][-1]
    assert (added["kind"], added["from"], added["to"]) == ("added", None, None)
    assert "slip" not in added
    check_in = next(c for c in alpha_entry["history"] if c["date"] == "2026-04-01")
    assert check_in["item"] == {"kind": "metric", "slug": "activation", "title": "Activation rate"}
    assert (check_in["kind"], check_in["from"], check_in["to"]) == ("progress", 38.0, 41.0)
    dates = [c["date"] for c in alpha_entry["history"]]
    assert dates == sorted(dates, reverse=True)


def test_the_planning_accuracy_panel(built: Path) -> None:
    page = read(built, "roadmap/index.html")
    panel = text_of(page[page.index('<section class="accuracy"') :].split("</section>")[0])
    assert "Goals done on time 50% of 2" in panel
    assert "Mean slip 0.5 quarters" in panel
    assert "Releases on time 50% of 2" in panel
    assert "2026-Q2 0 of 1 0 of 1" in panel  # alpha (Q2) late; 1.0.0 (Q2) late
    assert "2026-Q3 1 of 1 1 of 1" in panel  # epsilon on time; 1.1.0 on time


# -- the command line --------------------------------------------------------------------


def test_changes_json_in_a_date_range(repo: Repo) -> None:
    result = run_pmsite(
        "changes", "--site", repo.root, "--since", "2026-05-01", "--until", "2026-06-30",
        "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    changes = json.loads(result.stdout)
    assert [(c["date"], c["item"]["slug"], c["kind"]) for c in changes] == [
        ("2026-06-22", "delta", "added"),
        ("2026-06-20", "beta", "lane"),
        ("2026-06-20", "zeta", "added"),
        ("2026-06-10", "gamma", "status"),
        ("2026-05-20", "alpha", "target"),
        ("2026-05-20", "alpha", "confidence"),
        ("2026-05-20", "alpha", "progress"),
    ]
    assert changes[0]["message"] == ""  # withheld: that commit also changed a draft
    assert changes[4]["slip"] is True
    assert all(len(c["commit"]) == 40 for c in changes)


def test_changes_since_a_revision_as_a_stakeholder_update(repo: Repo) -> None:
    result = run_pmsite("changes", "--site", repo.root, "--since", repo.commits["Drop gamma"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Roadmap changes since {repo.commits['Drop gamma']} to 1 August 2026",
        "",
        "Shipped",
        "- Alpha: Status: In progress → Done (1 Aug 2026)",
        "- Epsilon: Status: Planned → Done (10 Jul 2026)",
        "",
        "Moved into Now",
        "- Beta: Moved from Next to Now (20 Jun 2026)",
        "",
        "New",
        "- Delta: Added to the roadmap in Next, target 2026-Q4 (22 Jun 2026)",
        "- Zeta: Added to the roadmap in Later (20 Jun 2026)",
        "",
        "Releases",
        "- 1.1.0 Second wind: Released 1 August 2026 (planned for 2026-Q3: on time) (1 Aug 2026)",
        "- 1.0.0 First light: Released 10 July 2026 (planned for 2026-Q2: one quarter late)"
        " (10 Jul 2026)",
    ]


def test_changes_as_markdown(repo: Repo) -> None:
    result = run_pmsite(
        "changes", "--site", repo.root, "--since", "2026-03-01", "--until", "2026-05-31",
        "--format", "markdown",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Roadmap changes from 1 March 2026 to 31 May 2026\n\n")
    alpha_url = "https://example.org/acme/goals/alpha/"
    assert f"## Slipped\n\n- [Alpha]({alpha_url}): Target slipped from 2026-Q2 to 2026-Q3" in (
        result.stdout
    )
    check_ins = result.stdout.split("## KPI check-ins\n\n")[1].split("\n\n")[0].splitlines()
    assert check_ins == [
        f"- [Alpha]({alpha_url}): Sync conflicts check-in: 12 per 1k saves → 6 per 1k saves"
        " (20 May 2026)",
        "- [Activation rate check-in: 38 % → 41 %](https://example.org/acme/metrics/activation/)"
        " (1 Apr 2026)",
        "- [Activation rate check-in: 30 % → 38 %](https://example.org/acme/metrics/activation/)"
        " (1 Mar 2026)",
    ]
    others = result.stdout.split("## Other changes\n\n")[1].splitlines()
    assert others == [
        f"- [Alpha]({alpha_url}): Confidence: High → Medium (20 May 2026)",
        "- [Beta](https://example.org/acme/goals/beta/): Moved from Later to Next (1 Apr 2026)",
    ]


def test_changes_refuses_a_bad_range(repo: Repo) -> None:
    result = run_pmsite("changes", "--site", repo.root, "--since", "last-tuesday")
    assert result.returncode == 2
    assert result.stderr == (
        "pmsite: error: --since: 'last-tuesday' is neither a date (YYYY-MM-DD) nor a git revision\n"
    )


def test_check_base_notes_slips_and_goals_leaving_now(repo: Repo) -> None:
    base = repo.commits["Beta moves to Next"]
    result = run_pmsite("check", "--site", repo.root, "--base", base, "--format", "github")
    assert result.returncode == 0, result.stdout + result.stderr
    notices = [  # (the other notices: goals not updated for months, by today's date)
        line
        for line in result.stdout.splitlines()
        if line.startswith("::notice") and f"since {base}" in line
    ]
    assert notices == [
        f"::notice file=content/goals/alpha.md,line=4::the goal's target slipped from 2026-Q2"
        f" to 2026-Q3 since {base}",
        f"::notice file=content/goals/alpha.md,line=4::the goal left Now since {base}"
        " (it is Done now)",
    ]
    text = run_pmsite("check", "--site", repo.root, "--base", "HEAD")
    assert "since HEAD" not in text.stdout  # nothing changed since HEAD
    bad = run_pmsite("check", "--site", repo.root, "--base", "no-such-branch")
    assert bad.returncode == 2
    assert "--base: 'no-such-branch' is not a git revision" in bad.stderr


def test_workflows_fetch_the_whole_history_and_check_pull_requests_against_their_base(
    tmp_path: Path,
) -> None:
    import yaml

    assert run_pmsite("init", tmp_path / "new").returncode == 0
    for path, job in [
        (tmp_path / "new/.github/workflows/pmsite.yml", "check"),
        (ROOT / ".github/workflows/pages.yml", "test"),
    ]:
        workflow = yaml.safe_load(path.read_text())
        for steps in (job["steps"] for job in workflow["jobs"].values()):
            checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
            assert checkout["with"]["fetch-depth"] == 0, path
        runs = [step.get("run", "") for step in workflow["jobs"][job]["steps"]]
        checks = [run for run in runs if "pmsite check --strict" in run]
        assert checks and all("--base" in run and "github.base_ref" in run for run in checks)


# -- edges -------------------------------------------------------------------------------


def test_a_subject_that_is_not_text_is_shown_safely(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "odd")
    repo.commit("2026-03-01", "Plan", {"site.yaml": SITE_YAML, "goals/a.md": goal("A")})
    repo.write({"goals/a.md": goal("A", "in-progress")})
    (tmp_path / "message").write_bytes(b"Start \xff<A> \x1b[31mnow\x07\n")
    repo.git("commit", "-q", "-a", "-F", str(tmp_path / "message"), date="2026-03-02")
    result = run_pmsite("build", "--site", repo.root)
    assert result.returncode == 0, result.stderr
    feed = feedparser.parse(read(repo.root / "output", "changes/feed.xml"))
    assert not feed.bozo, feed.bozo_exception
    # git may give the stray byte as U+FFFD or as Latin-1's ÿ: either way, text
    assert re.fullmatch(r"Start .<A> \[31mnow", feed.entries[0].title), feed.entries[0].title
    page = read(repo.root / "output", "goals/a/index.html")
    assert re.search(r"Start .&lt;A&gt; \[31mnow</span>", page)


def test_without_git_there_is_no_history(repo: Repo, tmp_path: Path) -> None:
    site = tmp_path / "copy"
    shutil.copytree(
        repo.root, site, ignore=shutil.ignore_patterns(".git", "output", ".pmsite-cache")
    )
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 0, result.stderr
    output = site / "output"
    assert 'id="history"' not in read(output, "goals/alpha/index.html")
    assert "originally" not in read(output, "goals/alpha/index.html")
    assert "History needs git: this site's content/ is not in a git work tree." in text_of(
        read(output, "changes/index.html")
    )
    assert "accuracy-heading" not in read(output, "roadmap/index.html")
    assert not (output / "goals/alpha/feed.xml").exists()
    feed = feedparser.parse(read(output, "changes/feed.xml"))
    assert not feed.bozo and feed.entries == []
    roadmap = json.loads(read(output, "roadmap.json"))
    assert roadmap["planning_accuracy"] == {
        "goals": None,
        "mean_slip_quarters": None,
        "releases": None,
    }
    changes = run_pmsite("changes", "--site", site)
    assert changes.returncode == 1
    assert changes.stderr == (
        "pmsite changes: History needs git: this site's content/ is not in a git work tree.\n"
    )
    check = run_pmsite("check", "--site", site, "--base", "main")
    assert check.returncode == 2
    assert "--base needs git" in check.stderr


def test_a_shallow_clone_starts_where_it_was_cut(repo: Repo, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "3", f"file://{repo.root}", str(clone)],
        check=True,
        capture_output=True,
    )
    result = run_pmsite("build", "--site", clone)
    assert result.returncode == 0, result.stderr
    page = read(clone / "output", "changes/index.html")
    assert (
        'History starts on <time datetime="2026-08-01">1 August 2026</time>: the clone is'
        " shallow; use fetch-depth: 0." in page
    )
    assert "Added to the roadmap" not in page  # what the cut commit holds was not added there
    assert "No committed change" in page  # the two commits after the cut change nothing seen
    changes = run_pmsite("changes", "--site", clone)
    assert "note: history starts on 1 August 2026: the clone is shallow; use fetch-depth: 0" in (
        changes.stderr
    )


def test_uncommitted_edits_are_not_history(repo: Repo, tmp_path: Path) -> None:
    work = Repo.clone(repo, tmp_path / "work").root
    (work / "content/goals/epsilon.md").write_text(goal("Epsilon", "done", target="2026-Q4"))
    result = run_pmsite("build", "--site", work)
    assert result.returncode == 0, result.stderr
    page = read(work / "output", "goals/epsilon/index.html")
    assert "2026-Q4, originally 2026-Q3" in text_of(page)  # the page shows the file as it is
    assert "2026-Q4" not in history_section(page)  # the history only what was committed


def test_the_same_head_gives_the_same_history_anywhere(
    repo: Repo, built: Path, tmp_path: Path
) -> None:
    clone = Repo.clone(repo, tmp_path / "elsewhere" / "clone").root
    assert run_pmsite("build", "--site", clone).returncode == 0
    for name in ("roadmap.json", "changes/index.html", "changes/feed.xml", "goals/beta/index.html"):
        assert read(clone / "output", name) == read(built, name), name


def test_a_warm_build_reads_no_history_from_git(repo: Repo, tmp_path: Path) -> None:
    site = Repo.clone(repo, tmp_path / "warm").root
    calls = tmp_path / "git-calls"
    wrapper = tmp_path / "bin" / "git"
    wrapper.parent.mkdir()
    real = shutil.which("git")
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    env = {"PATH": f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}"}
    assert run_pmsite("build", "--site", site, env=env).returncode == 0
    cold = calls.read_text()
    assert "--date-order" in cold and "cat-file --batch" in cold
    cache = json.loads((site / ".pmsite-cache/history.json").read_text().rpartition("\t")[0])
    assert cache["commits"][0][2] == "Plan the year"
    calls.unlink()
    (site / "content/goals/alpha.md").write_text(alpha("done", "2026-Q3", "medium", 6) + "More.\n")
    result = run_pmsite("build", "--site", site, env=env)
    assert result.returncode == 0 and result.stdout.startswith("Built")
    warm = calls.read_text()
    assert "--date-order" not in warm and "cat-file" not in warm
    assert "Target slipped from 2026-Q2 to 2026-Q3" in read(
        site / "output", "goals/alpha/index.html"
    )
    # a damaged cache is read from git again, never trusted
    (site / ".pmsite-cache/history.json").write_text('{"header": [1], "commits": 7}')
    (site / "content/goals/alpha.md").write_text(alpha("done", "2026-Q3", "medium", 6))
    assert run_pmsite("build", "--site", site, env=env).returncode == 0
    assert "Target slipped from 2026-Q2" in read(site / "output", "goals/alpha/index.html")


def test_the_example_site_has_a_history() -> None:
    from pmsite.session import BuildSession

    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    site, _, _ = BuildSession(ROOT).load()
    assert site.history.available
    assert site.history.commits
    assert any(goal.history for goal in site.goals)


@pytest.mark.slow
def test_history_pages_are_valid_html(built: Path) -> None:
    from .test_html_valid import _validator_or_skip

    command = _validator_or_skip()
    pages = [
        str(built / name)
        for name in (
            "changes/index.html",
            "goals/alpha/index.html",
            "goals/delta/index.html",
            "roadmap/index.html",
            "releases/1.0.0/index.html",
        )
    ]
    result = subprocess.run(
        [*command, "--format", "text", *pages], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_history_pages_are_accessible(
    chromium: object, repo: Repo, tmp_path: Path, scheme: str
) -> None:
    from .test_site_browser import check_page, served_site

    with served_site(tmp_path / "www", repo.root) as url:
        for path in ("changes/", "goals/alpha/", "roadmap/", "releases/1.0.0/"):
            check_page(chromium, url + path, color_scheme=scheme)


# -- pmsite serve ------------------------------------------------------------------------


@pytest.fixture
def serving(repo: Repo, tmp_path: Path) -> Iterator[tuple[Repo, PreviewServer]]:
    clone = Repo.clone(repo, tmp_path / "served")
    server = PreviewServer(clone.root, port=0)
    server.start()
    try:
        yield clone, server
    finally:
        server.stop()


@pytest.mark.slow
def test_serve_shows_a_new_commit_in_the_history(serving: tuple[Repo, PreviewServer]) -> None:
    from .test_serve import eventually, get

    clone, server = serving
    assert b"Status: Planned \xe2\x86\x92 Done" in get(server, "/goals/epsilon/")[2]
    clone.write({"goals/epsilon.md": goal("Epsilon", "done", target="2026-Q4")})
    eventually(lambda: b"2026-Q4, originally 2026-Q3" in get(server, "/goals/epsilon/")[2])
    assert b"Target slipped" not in get(server, "/goals/epsilon/")[2]  # saved, not committed
    clone.git("commit", "-q", "-am", "Epsilon lands later", date="2026-09-01")
    slip = b"Target slipped from 2026-Q3 to 2026-Q4"
    eventually(lambda: slip in get(server, "/goals/epsilon/")[2])
    assert b"Epsilon lands later" in get(server, "/changes/")[2]

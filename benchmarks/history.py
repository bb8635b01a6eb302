"""How long reading the roadmap's history from git takes (issue 15): a seeded git
repository of 1,000 goals and releases over 2,000 commits, its history extracted cold
(no cache: git log, cat-file, every revision parsed) and warm (HEAD unchanged: the cache
in .pmsite-cache/). A measurement, not a test: it prints times and never fails on them.

    python benchmarks/history.py [--items 1000] [--commits 2000] [--repeat 5] [--keep DIR]

The repository is written with ``git fast-import`` from the benchmark corpus (corpus.py):
the same seed gives the same commits, dated one a day. Commit by commit, goals and
releases are added (releases as planned, with a target), goals start, slip, move lanes,
ship or are dropped, releases ship, metrics check in, bodies are edited, files move to a
sub-folder, and every 100th commit merges a short branch.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))
sys.path.insert(0, str(BENCH_DIR))

from corpus import (  # noqa: E402
    SITE_DESCRIPTION,
    SITE_TITLE,
    Entry,
    make_corpus,
    pmsite_text,
    yaml_text,
)

from pmsite.history.changes import project  # noqa: E402
from pmsite.history.extract import Extracted, HistoryReader  # noqa: E402
from pmsite.load.git import GitReader  # noqa: E402

START = dt.datetime(2021, 1, 4, 9, 0, tzinfo=dt.UTC)
QUARTERS = [f"{year}-Q{q}" for year in range(2021, 2031) for q in range(1, 5)]


class Stream:
    """A git fast-import stream: commits on main, with an occasional merged branch."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.mark = 0
        self.main: int | None = None

    def commit(
        self,
        when: dt.datetime,
        message: str,
        files: dict[str, str | None],
        branch: str = "main",
        parent: int | None = None,
        merge: int | None = None,
    ) -> int:
        self.mark += 1
        stamp = f"{int(when.timestamp())} +0000"
        text = message.encode()
        lines = [
            f"commit refs/heads/{branch}",
            f"mark :{self.mark}",
            f"author Bench <bench@example.org> {stamp}",
            f"committer Bench <bench@example.org> {stamp}",
            f"data {len(text)}",
        ]
        self.parts.append("\n".join(lines).encode() + b"\n" + text + b"\n")
        base = parent if parent is not None else self.main
        if base is not None:
            self.parts.append(f"from :{base}\n".encode())
        if merge is not None:
            self.parts.append(f"merge :{merge}\n".encode())
        for path, content in files.items():
            if content is None:
                self.parts.append(f"D {path}\n".encode())
            else:
                data = content.encode()
                self.parts.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode())
                self.parts.append(data + b"\n")
        self.parts.append(b"\n")
        if branch == "main":
            self.main = self.mark
        return self.mark

    def data(self) -> bytes:
        return b"".join(self.parts)


@dataclasses.dataclass
class Item:
    entry: Entry
    path: str
    fields: dict[str, object]

    def text(self) -> str:
        return pmsite_text(dataclasses.replace(self.entry, fields=self.fields))


def make_repository(root: Path, items: int = 1000, commits: int = 2000, seed: int = 1) -> None:
    """A git repository at ``root`` whose content/ holds ``items`` goals and releases
    (and the metrics they measure) after ``commits`` commits."""
    rng = random.Random(seed)
    corpus = make_corpus(int(items / 0.92) + 20, seed)
    chosen = [e for e in corpus.entries if e.kind in ("goal", "release")][:items]
    rng.shuffle(chosen)
    goals = {entry.slug for entry in chosen if entry.kind == "goal"}
    for entry in chosen:  # the site at HEAD builds: a release names only goals it has
        named = entry.fields.get("goals")
        if isinstance(named, list):
            entry.fields["goals"] = [slug for slug in named if slug in goals]
    metrics = [e for e in corpus.entries if e.kind == "metric"]
    stream = Stream()
    when = START
    site: dict[str, object] = {
        "title": SITE_TITLE,
        "description": SITE_DESCRIPTION,
        "product": "Lumen",
    }
    first: dict[str, str | None] = {"content/site.yaml": yaml_text(site)}
    for metric in metrics:
        first[f"content/metrics/{metric.name}.yaml"] = pmsite_text(metric)
    live: list[Item] = []
    pending = list(chosen)
    for entry in pending[: items // 10]:
        live.append(_added(entry, rng))
    del pending[: items // 10]
    first.update({item.path: item.text() for item in live})
    stream.commit(when, "Plan the roadmap", first)
    made = 1
    while made < commits:
        when += dt.timedelta(days=1)
        if made % 100 == 99 and live and len(pending) < commits - made - 3:  # a merged branch
            side = stream.commit(
                when, "Work on a branch", _edit(rng.choice(live), rng), "side", stream.main
            )
            when += dt.timedelta(hours=1)
            main_files = _edit(rng.choice(live), rng)
            stream.commit(when, "Meanwhile on main", main_files)
            when += dt.timedelta(hours=1)
            stream.commit(when, "Merge branch 'side'", {}, merge=side)
            made += 3
            continue
        remaining = commits - made
        if pending and (len(pending) >= remaining or rng.random() < 0.45):
            item = _added(pending.pop(), rng)
            live.append(item)
            stream.commit(when, f"Add {item.entry.title}", {item.path: item.text()})
        else:
            item = rng.choice(live)
            stream.commit(when, f"Update {item.entry.title}", _edit(item, rng))
        made += 1
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=stream.data(), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)


def _added(entry: Entry, rng: random.Random) -> Item:
    fields = dict(entry.fields)
    folder = "goals" if entry.kind == "goal" else "releases"
    if entry.kind == "release":  # every release starts as a plan
        fields.pop("date", None)
        fields.update(status="planned", target=rng.choice(QUARTERS[:8]))
    else:
        fields.update(status="planned", target=rng.choice(QUARTERS[:8]))
        fields.pop("horizon", None)
    return Item(entry, f"content/{folder}/{entry.name}.md", fields)


def _edit(item: Item, rng: random.Random) -> dict[str, str | None]:
    """One change to ``item``: what a product team commits on a given day."""
    fields = item.fields
    roll = rng.random()
    files: dict[str, str | None] = {}
    if roll < 0.08 and "/2026/" not in item.path:  # moved to a sub-folder
        files[item.path] = None
        item.path = item.path.replace("/goals/", "/goals/2026/").replace(
            "/releases/", "/releases/2026/"
        )
    elif item.entry.kind == "release":
        if fields.get("status") == "planned" and roll < 0.5:
            fields.pop("status")
            fields.pop("target", None)
            fields["date"] = item.entry.date
        elif fields.get("status") == "planned":
            target = str(fields["target"])
            fields["target"] = QUARTERS[min(QUARTERS.index(target) + 1, len(QUARTERS) - 1)]
        else:
            fields["summary"] = f"{item.entry.summary} (updated {rng.randint(1, 999)})"
    elif roll < 0.3:
        fields["status"] = rng.choice(["in-progress", "at-risk", "done", "dropped", "planned"])
    elif roll < 0.55:
        target = str(fields.get("target") or QUARTERS[0])
        fields["target"] = QUARTERS[min(QUARTERS.index(target) + 1, len(QUARTERS) - 1)]
    elif roll < 0.7:
        fields["horizon"] = rng.choice(["now", "next", "later"])
    elif roll < 0.85:
        listed = fields.get("metrics")
        measures = [dict(m) for m in listed] if isinstance(listed, list) else []
        for measure in measures:
            if "current" in measure:
                measure["current"] = rng.randint(1, 60)
        fields["metrics"] = measures
    else:
        fields["owner"] = rng.choice(["Dana", "Ravi", "Mei", "Aisha", "Jonas"])
    files[item.path] = item.text()
    return files


def measure(site: Path, repeat: int) -> dict[str, list[float]]:
    """Seconds of each repeat: cold extraction (no cache), its CPU time (this process and
    the git processes it ran: what it takes on an idle machine, whatever the load), warm
    extraction (cache, same HEAD) and the projection a build then makes."""
    times: dict[str, list[float]] = {"cold": [], "cold CPU": [], "warm": [], "project": []}
    git = GitReader(site).read()
    raw = warm = Extracted("", False)
    projected = project(raw)
    for _ in range(repeat):
        shutil.rmtree(site / ".pmsite-cache", ignore_errors=True)
        cpu = _cpu()
        start = time.perf_counter()
        cold_read = HistoryReader(site, use_cache=True).read(git.root, git.head, git.shallow)
        times["cold"].append(time.perf_counter() - start)
        times["cold CPU"].append(_cpu() - cpu)
        start = time.perf_counter()
        warm_read = HistoryReader(site, use_cache=True).read(git.root, git.head, git.shallow)
        times["warm"].append(time.perf_counter() - start)
        assert isinstance(cold_read, Extracted) and isinstance(warm_read, Extracted)
        raw, warm = cold_read, warm_read
        start = time.perf_counter()
        projected = project(warm)
        times["project"].append(time.perf_counter() - start)
    assert len(raw.commits) == len(warm.commits) and raw.steps == warm.steps
    print(
        f"  {len(raw.commits)} commits, {len(raw.steps)} steps, {len(projected.changes)}"
        f" changes, {len(raw.notes)} revisions skipped"
    )
    return times


def _cpu() -> float:
    """CPU seconds used so far by this process, its threads and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1000, help="goals and releases")
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, metavar="DIR", help="make the repository here")
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="pmsite-history-"))
    site = folder / "site"
    if not (site / ".git").exists():
        start = time.perf_counter()
        make_repository(site, args.items, args.commits, args.seed)
        print(f"repository made in {time.perf_counter() - start:.1f} s: {site}")
    count = sum(1 for _ in (site / "content").rglob("*.md"))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"{count} goals and releases; history extraction, {args.repeat} runs"
        f" ({os.cpu_count()} CPUs, load average {load}):"
    )
    times = measure(site, args.repeat)
    for name, values in times.items():
        print(
            f"  {name:8} median {statistics.median(values) * 1000:8.1f} ms"
            f"   min {min(values) * 1000:8.1f} ms   max {max(values) * 1000:8.1f} ms"
        )
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

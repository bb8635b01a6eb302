"""A deterministic benchmark corpus: the same N entries as a pmsite, a Hugo and a Pelican site.

The mix follows a product with about ten years of history: mostly releases (~85 %), plus
goals, reflections and metrics with points. Every entry has a ~400-word Markdown body with
headings, lists, a fenced code block, links and sometimes a table. pmsite gets the
structured fields (highlights, changes, wins ...) as front matter; Hugo and Pelican get the
same notes as Markdown sections of the body, so all three render the same text.

    python benchmarks/corpus.py --items 1000 --out /tmp/corpus [--seed 1]

writes /tmp/corpus/pmsite, /tmp/corpus/hugo and /tmp/corpus/pelican. The same seed and
size always give byte-identical files.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import random
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
HUGO_THEME = BENCH_DIR / "hugo_theme"
PELICAN_THEME = BENCH_DIR / "pelican_theme"

SITE_TITLE = "Lumen Notes"
SITE_DESCRIPTION = "Roadmap, release notes, reflections and KPIs of a note-taking product."
BASE_URL = "https://bench.example.org/"
START = dt.date(2016, 7, 1)
SPAN_DAYS = 3650  # ten years
SHARES = {"goal": 0.07, "reflection": 0.06, "metric": 0.02}  # the rest are releases
SECTIONS = {
    "release": "releases",
    "goal": "goals",
    "reflection": "reflections",
    "metric": "metrics",
}


def word_list(text: str) -> tuple[str, ...]:
    return tuple(text.split())


WORDS = word_list(
    "sync note notebook editor search index offline device account team workspace page "
    "draft export import share link comment reminder calendar tag folder backup restore "
    "conflict server client cache queue request response latency error retry timeout "
    "session token permission setting preference theme layout shortcut toolbar menu panel "
    "preview render upload download attachment image table list heading paragraph block "
    "history version change update release build test review feedback survey user customer "
    "admin owner member guest invite plan billing invoice payment trial upgrade storage quota "
    "limit usage report chart metric goal target baseline trend week month quarter year "
    "mobile desktop web tablet browser network battery memory startup launch speed quality "
    "stable faster smaller clearer simpler safer quietly carefully reliably gradually "
    "improves reduces fixes adds removes moves keeps shows hides opens saves loads checks "
    "the a an of to in for with on by from when while after before every each most "
    "some more less new old first last next other same own"
)
TOPICS = word_list(
    "sync search sharing editor offline export import comments reminders calendar tags "
    "folders backups billing onboarding permissions attachments tables charts accessibility "
    "performance notifications templates themes widgets integrations api"
)
ADJECTIVES = word_list("faster safer simpler quieter smarter clearer sturdier lighter friendlier")
TAGS = word_list(
    "sync search sharing editor offline export import comments reminders calendar tags-ui "
    "folders backup billing onboarding permissions attachments tables charts a11y perf "
    "notifications templates themes widgets integrations api mobile desktop web security "
    "privacy i18n docs infra growth retention pricing enterprise quality"
)
THEMES = ("Mobile", "Collaboration", "Speed", "Trust", "Growth", "Platform", "Writing")
OWNERS = ("Dana", "Ravi", "Mei", "Tomás", "Aisha", "Jonas", "Priya", "Lena", "Kofi", "Sam")
GOAL_STATUSES = (
    ("done", 40),
    ("in-progress", 15),
    ("at-risk", 5),
    ("planned", 25),
    ("dropped", 15),
)
PERIODS = ("week", "sprint", "month", "quarter", "release", "other")
UNITS = (("users", "up"), ("ms", "down"), ("%", "up"), ("tickets", "down"), ("€", "up"))
CHANGE_CATEGORIES = ("added", "changed", "deprecated", "removed", "fixed", "security")
HEADINGS = (
    "Why it matters", "How it works", "What changed", "Upgrading", "Known issues",
    "Background", "Details", "Rollout", "Measuring it", "Next steps", "Design notes",
)  # fmt: skip


@dataclass
class Entry:
    """One content item, described once and written in each tool's format."""

    kind: str  # release | goal | reflection | metric
    name: str  # file name stem
    slug: str  # URL slug (the version for releases)
    title: str
    date: dt.date  # Hugo and Pelican need one for every entry
    summary: str
    tags: list[str]
    body: str
    fields: dict[str, object] = field(default_factory=dict)  # pmsite-only front matter
    notes: list[tuple[str, list[str]]] = field(default_factory=list)  # as Markdown sections


@dataclass
class Corpus:
    entries: list[Entry]

    def count(self, kind: str) -> int:
        return sum(1 for entry in self.entries if entry.kind == kind)


# --- text ---------------------------------------------------------------------------------


class Writer:
    """Plausible product prose from a seeded random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def words(self, count: int) -> str:
        return " ".join(self.rng.choices(WORDS, k=count))

    def sentence(self, low: int = 8, high: int = 16) -> str:
        text = self.words(self.rng.randint(low, high))
        return text[0].upper() + text[1:] + "."

    def paragraph(self, sentences: int, link: bool = False) -> str:
        parts = [self.sentence() for _ in range(sentences)]
        if link:
            parts.insert(self.rng.randrange(len(parts)), self.link_sentence())
        return " ".join(parts)

    def link_sentence(self) -> str:
        topic, word = self.rng.choice(TOPICS), self.rng.choice(WORDS)
        if self.rng.random() < 0.5:
            url = f"https://docs.example.org/{topic}/{word}/"
            return f"See [the {topic} guide]({url}) for the `{word}` option."
        number = self.rng.randint(100, 9999)
        url = f"https://github.com/example/lumen/issues/{number}"
        return f"This closes [issue #{number}]({url}) about **{word}**."

    def note(self) -> str:
        """One short list entry, sometimes with inline Markdown."""
        text = self.sentence(5, 11)
        roll = self.rng.random()
        if roll < 0.2:
            return f"{text[:-1]} (`{self.rng.choice(WORDS)}`)."
        if roll < 0.35:
            return f"**{self.rng.choice(TOPICS).capitalize()}:** {text}"
        return text

    def notes(self, low: int, high: int) -> list[str]:
        return [self.note() for _ in range(self.rng.randint(low, high))]

    def title(self) -> str:
        topic = self.rng.choice(TOPICS)
        return f"{self.rng.choice(ADJECTIVES).capitalize()} {topic} {self.rng.choice(WORDS)}"

    def body(self) -> str:
        """About 400 words: headings, lists, a code block, links, sometimes a table."""
        first, second, third = self.rng.sample(HEADINGS, 3)
        blocks = [
            self.paragraph(3, link=True),
            f"## {first}",
            self.paragraph(4),
            "\n".join(f"- {self.note()}" for _ in range(self.rng.randint(3, 5))),
            f"## {second}",
            self.paragraph(4),
            self.code_block(),
            "\n".join(f"{i}. {self.note()}" for i in range(1, self.rng.randint(3, 5) + 1)),
            f"### {third}",
            self.paragraph(3, link=True),
        ]
        if self.rng.random() < 0.4:
            blocks.append(self.table())
        blocks.append(self.paragraph(3))
        return "\n\n".join(blocks) + "\n"

    def code_block(self) -> str:
        language = self.rng.choice(("python", "yaml", "bash", "json"))
        a, b = self.rng.sample(WORDS, 2)
        number = self.rng.randint(2, 90)
        code = {
            "python": (
                f"def {a}_{b}(client, retries={number}):\n"
                f'    """{self.sentence(4, 8)}"""\n'
                "    for attempt in range(retries):\n"
                f"        result = client.{b}(timeout={number * 10})\n"
                "        if result.ok:\n"
                "            return result\n"
                f'    raise TimeoutError("{a} failed")'
            ),
            "yaml": (
                f"{a}:\n  enabled: true\n  retries: {number}\n  {b}: {self.rng.choice(WORDS)}\n"
                f"  timeouts:\n    connect: {number * 10}ms\n    read: {number * 30}ms"
            ),
            "bash": (
                f"lumen {a} --{b} {number}\nlumen sync --dry-run | grep -v {b}\n"
                f'export LUMEN_{a.upper()}="{self.rng.choice(WORDS)}"'
            ),
            "json": (
                f'{{\n  "{a}": {{"enabled": true, "retries": {number}}},\n'
                f'  "{b}": ["{self.rng.choice(WORDS)}", "{self.rng.choice(WORDS)}"]\n}}'
            ),
        }[language]
        return f"```{language}\n{code}\n```"

    def table(self) -> str:
        rows = ["| Setting | Before | After |", "|---|---|---|"]
        for _ in range(self.rng.randint(3, 5)):
            before, after = self.rng.randint(1, 500), self.rng.randint(1, 500)
            rows.append(f"| `{self.rng.choice(WORDS)}` | {before} ms | {after} ms |")
        return "\n".join(rows)

    def tags(self) -> list[str]:
        return sorted(self.rng.sample(TAGS, self.rng.randint(1, 3)))


# --- the corpus ---------------------------------------------------------------------------


def day(offset: float) -> dt.date:
    return START + dt.timedelta(days=int(offset))


def quarter(date: dt.date) -> str:
    return f"{date.year}-Q{(date.month - 1) // 3 + 1}"


def kind_counts(items: int) -> dict[str, int]:
    counts = {kind: max(1, round(items * share)) for kind, share in SHARES.items()}
    counts["release"] = max(1, items - sum(counts.values()))
    return counts


def make_corpus(items: int, seed: int = 1) -> Corpus:
    """N entries (at least 4: one of each kind), references resolving, all seeded."""
    rng = random.Random(seed)
    writer = Writer(rng)
    counts = kind_counts(max(items, 4))
    metrics = [make_metric(writer, i) for i in range(counts["metric"])]
    goals = [make_goal(writer, i, metrics) for i in range(counts["goal"])]
    releases = make_releases(writer, counts["release"], goals)
    reflections = [
        make_reflection(writer, i, counts["reflection"], goals, releases)
        for i in range(counts["reflection"])
    ]
    return Corpus([*releases, *goals, *reflections, *metrics])


def make_metric(writer: Writer, index: int) -> Entry:
    rng = writer.rng
    unit, direction = rng.choice(UNITS)
    topic = rng.choice(TOPICS)
    first_month = rng.randrange(0, 100)
    value = float(rng.randint(50, 5000))
    points: list[dict[str, object]] = []
    date = START
    for month in range(first_month, first_month + rng.randint(12, 36)):
        value = max(0.0, value * rng.uniform(0.9, 1.15))
        months = START.year * 12 + START.month - 1 + month
        date = dt.date(months // 12, months % 12 + 1, 1)
        points.append({"date": date, "value": round(value, 1)})
    name = f"{topic.capitalize()} {rng.choice(('weekly', 'daily', 'monthly'))} {unit} {index}"
    description = writer.sentence()
    entry = Entry(
        kind="metric",
        name=f"{topic}-{index:03d}",
        slug=f"{topic}-{index:03d}",
        title=name,
        date=date,  # the last point's
        summary=writer.sentence(6, 12),
        tags=writer.tags(),
        body=writer.body(),
        fields={"name": name, "unit": unit, "direction": direction, "description": description},
    )
    entry.fields["points"] = points
    rows = [f"| {p['date']} | {p['value']} {unit} |" for p in points]
    entry.notes = [("Description", [description]), ("Points", rows)]
    return entry


def make_goal(writer: Writer, index: int, metrics: list[Entry]) -> Entry:
    rng = writer.rng
    status = rng.choices([s for s, _ in GOAL_STATUSES], [w for _, w in GOAL_STATUSES])[0]
    date = day(rng.uniform(0, SPAN_DAYS))
    metric = rng.choice(metrics)
    measures: list[dict[str, object]] = [{"metric": metric.slug, "target": rng.randint(10, 9000)}]
    if rng.random() < 0.5:
        baseline = rng.randint(10, 60)
        measures.append(
            {
                "name": f"{rng.choice(TOPICS).capitalize()} errors",
                "unit": "per 1k saves",
                "baseline": baseline,
                "current": rng.randint(1, baseline),
                "target": rng.randint(1, 5),
                "direction": "down",
            }
        )
    fields: dict[str, object] = {"status": status}
    if status == "planned" and rng.random() < 0.5:
        fields["horizon"] = "later"
    fields.update(
        target=quarter(date),
        theme=rng.choice(THEMES),
        owner=rng.choice(OWNERS),
        priority=rng.randint(1, 5),
        metrics=measures,
    )
    slug = f"{rng.choice(TOPICS)}-goal-{index:04d}"
    measure_notes = [f"{m.get('metric') or m['name']}: target {m['target']}" for m in measures]
    return Entry(
        kind="goal",
        name=slug,
        slug=slug,
        title=writer.title(),
        date=date,
        summary=writer.sentence(6, 12),
        tags=writer.tags(),
        body=writer.body(),
        fields=fields,
        notes=[("Metrics", measure_notes)],
    )


def versions(count: int, rng: random.Random) -> Iterator[str]:
    """Unique SemVer versions in ascending order, with a few release candidates."""
    major, minor, patch = 0, 1, 0
    produced = 0
    while produced < count:
        yield f"{major}.{minor}.{patch}"
        produced += 1
        roll = rng.random()
        if roll < 0.005:
            major, minor, patch = major + 1, 0, 0
        elif roll < 0.3:
            minor, patch = minor + 1, 0
        else:
            patch += 1
        if patch == 0 and produced < count - 1 and rng.random() < 0.1:
            yield f"{major}.{minor}.0-rc.1"
            produced += 1


def make_releases(writer: Writer, count: int, goals: list[Entry]) -> list[Entry]:
    rng = writer.rng
    planned = 2 if count >= 20 else 0
    releases = []
    for index, version in enumerate(versions(count, rng)):
        date = day(index * SPAN_DAYS / count)
        is_planned = index >= count - planned
        releases.append(make_release(writer, version, date, is_planned, goals))
        if not is_planned and index < count - planned - 1 and rng.random() < 0.01:
            releases[-1].fields["yanked"] = True
    return releases


def make_release(
    writer: Writer, version: str, date: dt.date, planned: bool, goals: list[Entry]
) -> Entry:
    rng = writer.rng
    fields: dict[str, object] = {"version": version}
    if planned:
        fields.update(status="planned", target=quarter(date + dt.timedelta(days=120)))
    else:
        fields["date"] = date
    notes: list[tuple[str, list[str]]] = []
    if version.endswith(".0.0") and rng.random() < 0.7:
        notes.append(("breaking", writer.notes(1, 2)))
    notes.append(("highlights", writer.notes(1, 3)))
    changes = {category: writer.notes(1, 3) for category in CHANGE_CATEGORIES if rng.random() < 0.5}
    for key, values in notes:
        fields[key] = values
    if changes:
        fields["changes"] = changes
    if rng.random() < 0.5:
        fields["goals"] = sorted({goal.slug for goal in rng.sample(goals, min(2, len(goals)))})
    return Entry(
        kind="release",
        name=version,
        slug=version,
        title=writer.title(),
        date=date,
        summary=writer.sentence(6, 12),
        tags=writer.tags(),
        body=writer.body(),
        fields=fields,
        notes=[*notes, *changes.items()],
    )


def make_reflection(
    writer: Writer, index: int, count: int, goals: list[Entry], releases: list[Entry]
) -> Entry:
    rng = writer.rng
    date = day((index + 0.5) * SPAN_DAYS / count)
    released = [r for r in releases if "date" in r.fields]
    before = bisect.bisect_right([r.date for r in released], date)
    recent = released[max(0, before - 5) : max(1, before)]
    fields: dict[str, object] = {"date": date, "period": rng.choice(PERIODS)}
    notes = [(name, writer.notes(1, 3)) for name in ("wins", "setbacks", "learnings", "next")]
    fields.update(notes)
    fields["goals"] = sorted({goal.slug for goal in rng.sample(goals, min(2, len(goals)))})
    fields["releases"] = [r.slug for r in rng.sample(recent, min(2, len(recent)))]
    slug = f"{fields['period']}-retro-{index:04d}"
    return Entry(
        kind="reflection",
        name=slug,
        slug=slug,
        title=f"{writer.title()} retro",
        date=date,
        summary=writer.sentence(6, 12),
        tags=writer.tags(),
        body=writer.body(),
        fields=fields,
        notes=notes,
    )


# --- YAML and Markdown output -------------------------------------------------------------


def yaml_scalar(value: object) -> str:
    """A YAML scalar; strings are JSON strings, which YAML reads as double-quoted text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return json.dumps(str(value), ensure_ascii=False)


def yaml_lines(mapping: dict[str, object], indent: str = "") -> Iterator[str]:
    """Block-style YAML for the few shapes the corpus uses."""
    for key, value in mapping.items():
        if isinstance(value, dict):
            yield f"{indent}{key}:"
            yield from yaml_lines(value, indent + "  ")
        elif isinstance(value, list) and not value:
            yield f"{indent}{key}: []"
        elif isinstance(value, list):
            yield f"{indent}{key}:"
            for element in value:
                if isinstance(element, dict):
                    pairs = ", ".join(f"{k}: {yaml_scalar(v)}" for k, v in element.items())
                    yield f"{indent}  - {{{pairs}}}"
                else:
                    yield f"{indent}  - {yaml_scalar(element)}"
        elif isinstance(value, str) and "\n" in value:
            yield f"{indent}{key}: |"
            yield from (f"{indent}  {line}" if line else "" for line in value.rstrip().split("\n"))
        else:
            yield f"{indent}{key}: {yaml_scalar(value)}"


def yaml_text(mapping: dict[str, object]) -> str:
    return "\n".join(yaml_lines(mapping)) + "\n"


def front_matter_file(mapping: dict[str, object], body: str) -> str:
    return f"---\n{yaml_text(mapping)}---\n\n{body}"


def notes_markdown(entry: Entry) -> str:
    """The structured notes as Markdown sections, for the tools without pmsite's fields."""
    blocks = []
    for name, notes in entry.notes:
        blocks.append(f"## {name.capitalize()}")
        if notes and notes[0].startswith("|"):
            blocks.append("| Date | Value |\n|---|---|\n" + "\n".join(notes))
        else:
            blocks.append("\n".join(f"- {note}" for note in notes))
    return "\n\n".join(blocks)


def full_body(entry: Entry) -> str:
    notes = notes_markdown(entry)
    return f"{notes}\n\n{entry.body}" if notes else entry.body


def write_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- the three sites ----------------------------------------------------------------------


def write_pmsite(corpus: Corpus, root: Path) -> None:
    site = {
        "title": SITE_TITLE,
        "description": SITE_DESCRIPTION,
        "product": "Lumen",
        "base_url": BASE_URL,
    }
    write_file(root / "content" / "site.yaml", yaml_text(site))
    for entry in corpus.entries:
        write_file(pmsite_path(root, entry), pmsite_text(entry))


def pmsite_path(root: Path, entry: Entry) -> Path:
    suffix = ".yaml" if entry.kind == "metric" else ".md"
    return root / "content" / SECTIONS[entry.kind] / f"{entry.name}{suffix}"


def pmsite_text(entry: Entry) -> str:
    common: dict[str, object] = {} if entry.kind == "metric" else {"title": entry.title}
    if entry.kind == "release":
        common = {"version": entry.fields["version"], **common}
    common.update(summary=entry.summary, tags=entry.tags)
    data = {**common, **entry.fields}
    if entry.kind == "metric":
        return yaml_text({**data, "body": entry.body})
    return front_matter_file(data, entry.body)


def write_hugo(corpus: Corpus, root: Path) -> None:
    shutil.copy2(HUGO_THEME / "hugo.toml", root / "hugo.toml")
    shutil.copytree(HUGO_THEME / "layouts", root / "layouts", dirs_exist_ok=True)
    shutil.copytree(HUGO_THEME / "static", root / "static", dirs_exist_ok=True)
    write_file(root / "content" / "_index.md", front_matter_file({"title": SITE_TITLE}, ""))
    for section in SECTIONS.values():
        index = front_matter_file({"title": section.capitalize()}, "")
        write_file(root / "content" / section / "_index.md", index)
    for number, entry in enumerate(corpus.entries):
        front = {
            "title": entry_title(entry),
            "date": entry.date,
            "slug": entry.slug,
            "summary": entry.summary,
            "tags": entry.tags,
        }
        path = root / "content" / SECTIONS[entry.kind] / f"e{number:05d}.md"
        write_file(path, front_matter_file(front, full_body(entry)))


def write_pelican(corpus: Corpus, root: Path) -> None:
    shutil.copy2(PELICAN_THEME / "pelicanconf.py", root / "pelicanconf.py")
    shutil.copytree(PELICAN_THEME / "theme", root / "theme", dirs_exist_ok=True)
    for number, entry in enumerate(corpus.entries):
        header = [
            f"Title: {entry_title(entry)}",
            f"Date: {entry.date.isoformat()}",
            f"Category: {SECTIONS[entry.kind]}",
            f"Tags: {', '.join(entry.tags)}",
            f"Slug: {entry.slug}",
            f"Summary: {entry.summary}",
        ]
        path = root / "content" / SECTIONS[entry.kind] / f"e{number:05d}.md"
        write_file(path, "\n".join(header) + "\n\n" + full_body(entry))


def entry_title(entry: Entry) -> str:
    return f"{entry.slug} {entry.title}" if entry.kind == "release" else entry.title


def write_corpus(items: int, out: Path, seed: int = 1) -> Corpus:
    """Write out/pmsite, out/hugo and out/pelican (each folder replaced if it exists)."""
    corpus = make_corpus(items, seed)
    for name, writer in (
        ("pmsite", write_pmsite),
        ("hugo", write_hugo),
        ("pelican", write_pelican),
    ):
        root = out / name
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        writer(corpus, root)
    return corpus


def describe(corpus: Corpus) -> str:
    kinds: Iterable[str] = ("release", "goal", "reflection", "metric")
    return ", ".join(f"{corpus.count(kind)} {SECTIONS[kind]}" for kind in kinds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, required=True, help="number of entries (N)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the three sites")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    corpus = write_corpus(args.items, args.out, args.seed)
    print(f"Wrote {len(corpus.entries)} entries ({describe(corpus)}) to {args.out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

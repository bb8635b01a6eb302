"""From git to the roadmap's raw history: which item states each commit changed.

One ``git log`` of content/ lists every commit with the blobs it changed; the blobs not
seen before are read in one ``git cat-file --batch`` and parsed with the build's readers
(history/revisions.py). Walking the commits parents first, a ``Tree`` keeps each
commit's files and item states; a ``Step`` is one item whose state a commit changed,
with its state before and after (and, for a merge, in its other parents). Items are
known by kind and slug, not by path, so a file moved to another folder keeps its history.

``HistoryReader`` keeps the result by HEAD (and the parsed blobs by blob id), in memory
and in ``.pmsite-cache/`` as JSON, so a build whose HEAD did not move does no git work
beyond the probe every build makes, and a new commit parses only the blobs it added.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pmsite.history.gitlog import GitError, LogCommit, read_blobs, read_log
from pmsite.history.revisions import (
    ItemState,
    Key,
    is_data_file,
    kind_of,
    read_csv_point,
    read_revision,
    with_point,
)
from pmsite.render.parallel import fork_map

log = logging.getLogger("pmsite")

FORMAT = 1  # of the cache files; another value is ignored
HISTORY_FILE = "history.json"
BLOBS_FILE = "history-blobs.json"
_KIND_ORDER = {"goal": 0, "release": 1, "metric": 2}


@dataclass(frozen=True)
class Commit:
    """A commit of the history: id, committer time (seconds since the epoch), subject;
    ``boundary`` when a shallow clone was cut there (what it holds is where the history
    starts, not something it added)."""

    id: str
    time: int
    subject: str
    boundary: bool = False
    date: dt.date = field(init=False, compare=False)  # the committer date, in UTC

    def __post_init__(self) -> None:
        object.__setattr__(self, "date", dt.datetime.fromtimestamp(self.time, dt.UTC).date())


@dataclass(frozen=True)
class Step:
    """One item whose state one commit (``commit``, an index into the commits) changed:
    its state before (in the first parent) and after, None where it did not exist; for a
    merge, ``others`` are its states in the other parents."""

    commit: int
    key: Key
    before: ItemState | None
    after: ItemState | None
    others: tuple[ItemState | None, ...] = ()


@dataclass(frozen=True)
class Note:
    """A revision that could not be read, and why; the history skips it."""

    commit: str
    date: dt.date
    problem: str  # file:line: message, as a build would say it

    def __str__(self) -> str:
        return f"{self.problem} (in commit {self.commit[:7]} of {self.date.isoformat()})"


@dataclass
class Extracted:
    """The raw history of one HEAD: commits oldest first (parents before children, then
    by date), the steps in commit order, and the notes of revisions skipped."""

    head: str
    shallow: bool
    commits: list[Commit] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class NoHistory:
    """Why there is no history: ``message`` is what changes/ and ``pmsite changes`` say."""

    message: str


Parsed = dict[str, "ItemState | str"]  # "<blob> <path>" -> state, or the problem
CsvPoints = dict[str, "tuple[str, float] | str | None"]  # blob -> newest point, or problem


class Tree:
    """One commit's tracked files (path under content/ -> blob), its items' states by
    key, and which path holds which item."""

    __slots__ = ("files", "items", "owner", "paths")

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.items: dict[Key, ItemState] = {}
        self.owner: dict[str, Key] = {}  # path -> key of the item last read from it
        self.paths: dict[Key, str] = {}  # key -> the path holding it

    def copy(self) -> Tree:
        tree = Tree()
        tree.files, tree.items = dict(self.files), dict(self.items)
        tree.owner, tree.paths = dict(self.owner), dict(self.paths)
        return tree

    def drop(self, path: str) -> None:
        """Forget the item read from ``path``, unless another path holds it now."""
        key = self.owner.pop(path, None)
        if key is not None and self.paths.get(key) == path:
            del self.paths[key]
            del self.items[key]


StateOf = Callable[[str, str], "ItemState | str | None"]
PointOf = Callable[[str, str], "tuple[str, float] | str | None"]


def walk(
    log_commits: list[LogCommit], shallow: frozenset[str], state_of: StateOf, point_of: PointOf
) -> tuple[list[Commit], list[Step], list[Note]]:
    """The steps of every commit of ``log_commits`` (in ``git log --date-order
    --reverse`` order: parents first). ``state_of(path, blob)`` reads a revision of an
    item file (None when its blob could not be had, a text when it is invalid);
    ``point_of(path, blob)`` reads a CSV file's newest point."""
    children = Counter(parent for commit in log_commits for parent in commit.parents)
    trees: dict[str, Tree] = {}
    walker = _Walker(state_of, point_of)
    for entry in log_commits:
        parents = [parent for parent in entry.parents if parent in trees]
        if parents:
            first = parents[0]
            children[first] -= 1
            tree = trees.pop(first) if children[first] <= 0 else trees[first].copy()
        else:
            tree = Tree()
        walker.commit(entry, entry.id in shallow, tree, [trees[p] for p in parents[1:]])
        for parent in parents[1:]:
            children[parent] -= 1
            if children[parent] <= 0:
                trees.pop(parent, None)
        if children[entry.id] > 0:
            trees[entry.id] = tree
    return walker.commits, walker.steps, walker.notes


class _Walker:
    """Applies one commit after another to the trees, noting steps and problems."""

    def __init__(self, state_of: StateOf, point_of: PointOf) -> None:
        self.state_of = state_of
        self.point_of = point_of
        self.commits: list[Commit] = []
        self.steps: list[Step] = []
        self.notes: list[Note] = []
        self._noted: set[tuple[str, str]] = set()

    def commit(self, entry: LogCommit, boundary: bool, tree: Tree, others: list[Tree]) -> None:
        """Turn ``tree`` (the first parent's) into ``entry``'s, noting its steps."""
        commit = Commit(entry.id, entry.time, entry.subject, boundary)
        index = len(self.commits)
        self.commits.append(commit)
        before: dict[Key, ItemState | None] = {}  # each item's state before, once touched
        read: list[tuple[str, ItemState]] = []
        data_changed: set[str] = set()
        for change in entry.entries:
            path = change.path
            if is_data_file(path):
                data_changed.add(path)
            elif kind_of(path) is None:
                continue
            elif path in tree.owner:
                key = tree.owner[path]
                before.setdefault(key, tree.items.get(key))
            if change.new:
                tree.files[path] = change.new
            else:
                tree.files.pop(path, None)
            if not change.new or path in data_changed:
                continue
            state = self.state_of(path, change.new)
            if isinstance(state, str):
                self._note(commit, path, change.new, state)
            elif state is not None:
                before.setdefault(state.key, tree.items.get(state.key))
                read.append((path, state))
        for change in entry.entries:
            if not change.new:
                tree.drop(change.path)
        if data_changed:  # metrics whose CSV file changed read their points again
            for key, state in list(tree.items.items()):
                if state.csv in data_changed:
                    before.setdefault(key, state)
                    tree.items[key] = with_point(state, self._point(commit, tree, state))
        for path, state in read:
            if tree.owner.get(path, state.key) != state.key:
                tree.drop(path)  # the file now holds another item (a release's new version)
            if state.csv:
                state = with_point(state, self._point(commit, tree, state))
            tree.owner[path] = state.key
            tree.paths[state.key] = path
            tree.items[state.key] = state
        for key in sorted(before, key=lambda k: (_KIND_ORDER[k[0]], k[1])):
            after = tree.items.get(key)
            if after != before[key]:
                other = tuple(o.items.get(key) for o in others)
                self.steps.append(Step(index, key, before[key], after, other))

    def _point(self, commit: Commit, tree: Tree, state: ItemState) -> tuple[str, float] | None:
        """A CSV metric's newest point in ``tree`` (None when its CSV file is missing or
        invalid: then a note says why)."""
        blob = tree.files.get(state.csv)
        if blob is None:
            return None
        point = self.point_of(state.csv, blob)
        if isinstance(point, str):
            self._note(commit, state.csv, blob, point)
            return None
        return point

    def _note(self, commit: Commit, path: str, blob: str, problem: str) -> None:
        if (path, blob) not in self._noted:  # a blob is noted once, where it first shows
            self._noted.add((path, blob))
            self.notes.append(Note(commit.id, commit.date, problem))


class HistoryReader:
    """Reads the raw history of a site's content/ again only when HEAD (or how shallow
    the clone is) changed; with ``use_cache``, keeps it in ``SITE/.pmsite-cache/`` too.
    Never raises: without git, or when git fails, ``read`` gives a ``NoHistory``."""

    def __init__(self, site_dir: Path, use_cache: bool = False) -> None:
        self.site_dir = site_dir.resolve()
        self.use_cache = use_cache
        self._key: tuple | None = None
        self._result: Extracted | NoHistory | None = None
        self._parsed: Parsed = {}
        self._points: CsvPoints = {}
        self._blobs_loaded = False

    def read(
        self, root: Path | None, head: str, shallow: frozenset[str] = frozenset()
    ) -> Extracted | NoHistory:
        """The history of HEAD (``head``) in the work tree ``root`` (None: no git)."""
        if root is None:
            return NoHistory("History needs git: this site's content/ is not in a git work tree.")
        content = self.site_dir / "content"
        try:
            folder = content.resolve().relative_to(root).as_posix()
        except ValueError:
            return NoHistory("History needs git: content/ is outside the git work tree.")
        key = (str(root), folder, head, shallow)
        if key == self._key and self._result is not None:
            return self._result
        result: Extracted | NoHistory | None = None
        if self.use_cache and self._key is None:
            result = _load_history(self.site_dir, key)
        if result is None:
            result = self._extract(root, folder, head, shallow)
            if self.use_cache and isinstance(result, Extracted):
                _save(self.site_dir, key, result, self._parsed, self._points)
        self._key, self._result = key, result
        return result

    def _extract(
        self, root: Path, folder: str, head: str, shallow: frozenset[str]
    ) -> Extracted | NoHistory:
        if not head:
            return Extracted(head, bool(shallow))  # no commit yet: an empty history
        if self.use_cache and not self._blobs_loaded:
            self._parsed, self._points = _load_blobs(self.site_dir)
        self._blobs_loaded = True
        try:
            log_commits = read_log(root, folder)
            todo: dict[str, tuple[str, str]] = {}  # item revisions not parsed yet
            wanted = set()
            for entry in log_commits:
                for change in entry.entries:
                    path, blob = change.path, change.new
                    if not blob:
                        continue
                    name = f"{blob} {path}"
                    if name not in self._parsed and kind_of(path):
                        todo[name] = (path, blob)
                        wanted.add(blob)
                    elif is_data_file(path) and blob not in self._points:
                        wanted.add(blob)
            blobs = read_blobs(root, wanted)
        except GitError as error:
            log.debug("history: %s", error)
            return NoHistory(f"History could not be read from git: {error}")
        # Parsing is most of the work: spread over the cores when there is a lot of it.
        names = list(todo)
        job = (names, todo, blobs, self.site_dir)
        for name, found in zip(names, fork_map(_parse, job, range(len(names)), 400), strict=True):
            if found is not None:
                self._parsed[name] = found

        def state_of(path: str, blob: str) -> ItemState | str | None:
            cache_key = f"{blob} {path}"
            found = self._parsed.get(cache_key)
            if found is None:
                raw = blobs.get(blob)
                kind = kind_of(path)
                if raw is None or kind is None:
                    return None
                found = self._parsed[cache_key] = read_revision(kind, path, raw, self.site_dir)
            return found

        def point_of(path: str, blob: str) -> tuple[str, float] | str | None:
            if blob not in self._points:
                raw = blobs.get(blob)
                if raw is None:
                    return None
                self._points[blob] = read_csv_point(path, raw)
            return self._points[blob]

        commits, steps, notes = walk(log_commits, shallow, state_of, point_of)
        return Extracted(head, bool(shallow), commits, steps, notes)


def _parse(
    job: tuple[list[str], dict[str, tuple[str, str]], dict[str, bytes], Path], index: int
) -> ItemState | str | None:
    """One revision of an item file, read (None when git did not give its blob)."""
    names, todo, blobs, site_dir = job
    path, blob = todo[names[index]]
    raw = blobs.get(blob)
    kind = kind_of(path)
    if raw is None or kind is None:
        return None
    return read_revision(kind, path, raw, site_dir)


# -- the cache in .pmsite-cache/ (JSON only) -------------------------------------------


def _header(key: tuple) -> list:
    from pmsite.store.cache import versions

    root, folder, head, shallow = key
    return [versions(), FORMAT, root, folder, head, sorted(shallow)]


def _save(site_dir: Path, key: tuple, found: Extracted, parsed: Parsed, points: CsvPoints) -> None:
    """Write the history of ``key`` and the parsed blobs (best effort)."""
    from pmsite.store.cache import write_cache_json

    history_states: dict[ItemState, int] = {}
    blob_states: dict[ItemState, int] = {}

    def number(state: ItemState | None, table: dict[ItemState, int] = history_states) -> int:
        if state is None:
            return -1
        return table.setdefault(state, len(table))

    steps = [
        [s.commit, *s.key, number(s.before), number(s.after), [number(o) for o in s.others]]
        for s in found.steps
    ]
    items = {
        name: number(state, blob_states) if isinstance(state, ItemState) else state
        for name, state in parsed.items()
    }
    data = {
        "header": _header(key),
        "shallow": found.shallow,
        "commits": [[c.id, c.time, c.subject, c.boundary] for c in found.commits],
        "steps": steps,
        "notes": [[n.commit, n.date.isoformat(), n.problem] for n in found.notes],
        "states": [state.to_json() for state in history_states],
    }
    blobs = {
        "header": _header(key)[:2],
        "states": [state.to_json() for state in blob_states],
        "items": items,
        "csv": points,
    }
    try:
        write_cache_json(site_dir, HISTORY_FILE, data)
        write_cache_json(site_dir, BLOBS_FILE, blobs)
    except OSError as error:
        log.debug("history: cache not written: %s", error)


def _load_history(site_dir: Path, key: tuple) -> Extracted | None:
    """The cached history of ``key``, or None when there is none (or it is damaged)."""
    from pmsite.store.cache import read_cache_json

    data = read_cache_json(site_dir, HISTORY_FILE)
    try:
        if not isinstance(data, dict) or data["header"] != _header(key):
            return None
        states = [ItemState.from_json(state) for state in data["states"]]

        def state(number: int) -> ItemState | None:
            return None if number < 0 else states[number]

        commits = [Commit(str(c[0]), int(c[1]), str(c[2]), bool(c[3])) for c in data["commits"]]
        steps = [
            Step(int(c), (str(kind), str(slug)), state(b), state(a), tuple(map(state, others)))
            for c, kind, slug, b, a, others in data["steps"]
        ]
        notes = [Note(str(n[0]), dt.date.fromisoformat(n[1]), str(n[2])) for n in data["notes"]]
        return Extracted(key[2], bool(data["shallow"]), commits, steps, notes)
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _load_blobs(site_dir: Path) -> tuple[Parsed, CsvPoints]:
    """The parsed blobs of earlier runs (empty when missing, damaged or stale)."""
    from pmsite.store.cache import read_cache_json, versions

    data = read_cache_json(site_dir, BLOBS_FILE)
    try:
        if not isinstance(data, dict) or data["header"] != [versions(), FORMAT]:
            return {}, {}
        states = [ItemState.from_json(state) for state in data["states"]]
        parsed: Parsed = {
            str(name): states[found] if isinstance(found, int) else str(found)
            for name, found in data["items"].items()
        }
        points: CsvPoints = {}
        for blob, point in data["csv"].items():
            if point is None or isinstance(point, str):
                points[str(blob)] = point
            else:
                points[str(blob)] = (str(point[0]), float(point[1]))
        return parsed, points
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return {}, {}

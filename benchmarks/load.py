"""Load test of the preview server: concurrent readers while the content keeps changing.

    python benchmarks/load.py [--clients 50] [--seconds 20] [--edit-every 0.2] [--site DIR]

Loopback only, bounded in time and requests. Every response must succeed, and every HTML
page must come from one complete build: the site title (changed by each edit) must be the
same everywhere on a page, and each build id the server injects must map to one title.
Prints requests/s and latency percentiles; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import http.client
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pmsite.serve import PreviewServer  # noqa: E402

PAGES = ["/", "/roadmap/", "/releases/", "/goals/", "/reflections/", "/metrics/", "/search/"]
MAX_REQUESTS_PER_CLIENT = 100_000


@dataclass
class LoadResult:
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    builds: dict[int, set[str]] = field(default_factory=dict)
    edits: int = 0
    seconds: float = 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    def summary(self) -> dict[str, str]:
        mixed = {b: t for b, t in self.builds.items() if len(t) > 1}
        return {
            "requests": str(self.requests),
            "requests/s": f"{self.requests / self.seconds:.0f}",
            "p50 ms": f"{self.percentile(0.50):.1f}",
            "p99 ms": f"{self.percentile(0.99):.1f}",
            "max ms": f"{max(self.latencies) * 1000:.1f}",
            "edits": str(self.edits),
            "builds seen": str(len(self.builds)),
            "failed requests": str(len(self.failures)),
            "mixed pages": str(len(mixed)),
        }


def _client(port: int, stop: threading.Event, result: LoadResult, lock: threading.Lock) -> None:
    chooser = random.Random(threading.get_ident())
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for _ in range(MAX_REQUESTS_PER_CLIENT):
        if stop.is_set():
            break
        path = chooser.choice(PAGES)
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read().decode("utf-8")
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            with lock:
                result.failures.append(f"{path}: {type(error).__name__}: {error}")
            continue
        elapsed = time.perf_counter() - started
        titles = set(re.findall(r"Load rev \d+", body))
        build = re.search(r"var built = (\d+);", body)
        with lock:
            result.requests += 1
            result.latencies.append(elapsed)
            if status != 200 or len(titles) != 1 or build is None:
                result.failures.append(f"{path}: status {status}, titles {sorted(titles)}")
            else:
                result.builds.setdefault(int(build[1]), set()).update(titles)
    connection.close()


def run_load(site: Path, clients: int, seconds: float, edit_every: float) -> LoadResult:
    """Serve ``site`` (a copy is edited), run the clients, edit site.yaml on a timer."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "site"
        shutil.copytree(site, copy, ignore=shutil.ignore_patterns("output", ".output*"))
        config = copy / "content/site.yaml"
        original = config.read_text(encoding="utf-8")
        title = re.search(r"^title:.*$", original, re.MULTILINE)
        assert title is not None, "site.yaml needs a title line"

        def write_rev(rev: int) -> None:
            config.write_text(original.replace(title[0], f"title: Load rev {rev}"), "utf-8")

        write_rev(0)
        server = PreviewServer(copy, port=0)
        server.start()
        result, lock, stop = LoadResult(), threading.Lock(), threading.Event()
        threads = [
            threading.Thread(target=_client, args=(server.port, stop, result, lock))
            for _ in range(clients)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        try:
            while time.perf_counter() - started < seconds:
                time.sleep(edit_every)
                result.edits += 1
                write_rev(result.edits)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=15)
            result.seconds = time.perf_counter() - started
            server.stop()
        return result


def markdown_table(summary: dict[str, str], clients: int, seconds: float) -> str:
    header = f"Preview server under load: {clients} clients for {seconds:.0f} s\n\n"
    rows = "| " + " | ".join(summary) + " |\n|" + "---|" * len(summary) + "\n"
    return header + rows + "| " + " | ".join(summary.values()) + " |\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT, help="default: the example site")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--edit-every", type=float, default=0.2)
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    result = run_load(args.site, args.clients, args.seconds, args.edit_every)
    table = markdown_table(result.summary(), args.clients, args.seconds)
    print(table)
    if args.markdown:
        args.markdown.write_text(table, encoding="utf-8")
    for failure in result.failures[:10]:
        print("FAILED:", failure)
    mixed = any(len(titles) > 1 for titles in result.builds.values())
    return 1 if result.failures or mixed or not result.latencies else 0


if __name__ == "__main__":
    raise SystemExit(main())

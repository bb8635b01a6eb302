"""PreviewServer: ``pmsite serve``. One class owns the HTTP server thread, the watchdog
observer and the rebuild loop; requests are answered from an in-memory snapshot of the
last good build, so they never see a half-built site and output/ is never touched.

Browsers reload through Server-Sent Events (``/__pmsite/events``): a small script is
injected into served HTML only. A failed build keeps the last good snapshot and adds an
overlay listing the errors to every page, until the next good build clears it; before
any build has succeeded, every request gets a page listing the errors (status 503).

content/ and templates/ are watched whenever they exist: one created (or deleted and
created again) while the server runs is watched from then on.
"""

from __future__ import annotations

import contextlib
import errno
import html
import logging
import posixpath
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

from pmsite.errors import ContentErrors, PmsiteError, display_path
from pmsite.load.git import is_ref_change, watched_git_paths
from pmsite.load.walk import is_ignored_path
from pmsite.options import BuildOptions, build_today
from pmsite.session import BuildSession
from pmsite.store.write import OutputFile

log = logging.getLogger("pmsite.serve")

EVENTS_PATH = "/__pmsite/events"
WATCHED_FOLDERS = ("content", "templates")  # under the site folder, each recursively
DEBOUNCE_SECONDS = 0.025  # quiet time that ends a burst of file events
MAX_WAIT_SECONDS = 0.5  # a steady stream of events still rebuilds this often
PORT_ATTEMPTS = 20
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".pdf": "application/pdf",
    ".woff2": "font/woff2",
}


@dataclass(frozen=True)
class Snapshot:
    """What the server answers with: the last good build, plus the errors of a later
    failed build (empty when the latest build succeeded)."""

    build_id: int
    files: dict[str, OutputFile] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    css_only: bool = False
    good: bool = False  # a build has succeeded: ``files`` is the last good build


class PreviewServer:
    """Serves a site on 127.0.0.1, rebuilding and reloading browsers on every change."""

    def __init__(
        self,
        site_dir: Path,
        host: str = "127.0.0.1",
        port: int = 8000,
        drafts: bool = False,
        audience: str = "public",
    ) -> None:
        self.site_dir = site_dir.resolve()
        self.host = host
        self.requested_port = port
        self.drafts = drafts
        self.audience = audience
        self.snapshot = Snapshot(build_id=0)
        self.builds = 0
        self._changed = threading.Condition()
        self._pending: set[Path] = set()
        self._events = 0  # file events seen; a burst ends when this stops growing
        self._published = threading.Condition()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._observer: BaseObserver | None = None
        self._handler = _WatchHandler(self)
        # Each watched folder's watch and the folder it was made for (device, inode).
        self._watches: dict[str, tuple[tuple[int, int], ObservedWatch]] = {}
        self._watch_lock = threading.Lock()
        self._session: BuildSession | None = None
        self._git_dirs: tuple[Path, Path] | None = None  # see start()

    # -- lifecycle -------------------------------------------------------------------

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def start(self) -> None:
        """Bind, build once, then serve and watch in background threads."""
        # A watched folder filled quickly (content/ restored, a checkout) makes watchdog's
        # inotify backend add a subfolder's watch twice and say so; nothing is lost.
        warnings.filterwarnings(
            "ignore", "Callback with id .* already exists for watch", RuntimeWarning, "watchdog"
        )
        self._httpd = self._bind()
        options = BuildOptions.of(self.url, self.drafts, self.audience)
        self._session = BuildSession(self.site_dir, options, history_cache=True)
        self._observer = Observer()
        # The site folder itself (not recursively): content/ or templates/ appearing,
        # disappearing or being replaced is seen there, and their watches follow.
        self._observer.schedule(self._handler, str(self.site_dir), recursive=False)
        self._watch_folders()
        self._watch_git()
        self._observer.start()
        self._rebuild(set())  # the initial build, once every change from now on is seen
        for target in (self._serve_http, self._rebuild_loop):
            thread = threading.Thread(target=target, name=f"pmsite-{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()
        with self._published:
            self._published.notify_all()
        if self._observer is not None:
            self._observer.stop()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=1)

    def _bind(self) -> ThreadingHTTPServer:
        handler = _make_handler(self)
        port = self.requested_port
        for attempt in range(PORT_ATTEMPTS):
            try:
                server = _HTTPServer((self.host, port), handler)
            except OSError as error:
                if error.errno != errno.EADDRINUSE or port == 0 or attempt == PORT_ATTEMPTS - 1:
                    message = f"cannot listen on {self.host}:{port}: {error.strerror}"
                    raise PmsiteError(message) from None
                log.warning("port %d is in use; trying %d", port, port + 1)
                port += 1
                continue
            server.daemon_threads = True
            return server
        raise AssertionError("unreachable")

    def _serve_http(self) -> None:
        assert self._httpd is not None
        self._httpd.serve_forever(poll_interval=0.1)

    # -- watching and rebuilding ------------------------------------------------------

    def _watch_git(self) -> None:
        """Watch git's HEAD, packed-refs and refs/: a commit or a checkout moves them, and
        with them the history and the "Last updated" dates, though no content file changed."""
        self._git_dirs = watched_git_paths(self.site_dir)
        if self._git_dirs is None or self._observer is None:
            return
        git_dir, common_dir = self._git_dirs
        folders = {
            (git_dir, False): None,
            (common_dir, False): None,
            (common_dir / "refs", True): None,
        }
        for folder, recursive in folders:  # a plain repository's two git folders are one
            if folder.is_dir():
                self._observer.schedule(self._handler, str(folder), recursive=recursive)

    def _watch_folders(self, renew: Iterable[str] = ()) -> None:
        """Watch each of WATCHED_FOLDERS that exists now, and only those: a folder that
        was created, or deleted and created again, gets a new watch (a deleted folder's
        watch ends with it). Folders named in ``renew`` get a new watch whatever their
        identity: a folder deleted and created again can reuse the inode number."""
        observer = self._observer
        renew = set(renew)
        if observer is None:
            return
        with self._watch_lock:
            for name in WATCHED_FOLDERS:
                folder = self.site_dir / name
                try:
                    info = folder.stat()
                    identity = (info.st_dev, info.st_ino) if folder.is_dir() else None
                except OSError:
                    identity = None
                current = self._watches.get(name)
                if current is not None and current[0] == identity and name not in renew:
                    continue
                if current is not None:
                    del self._watches[name]
                    with contextlib.suppress(KeyError, OSError, RuntimeError):
                        observer.unschedule(current[1])
                if identity is not None:
                    try:
                        watch = observer.schedule(self._handler, str(folder), recursive=True)
                    except OSError as error:  # gone again already: the next event retries
                        log.debug("cannot watch %s: %s", folder, error)
                        continue
                    self._watches[name] = (identity, watch)

    def notice(self, paths: Iterable[str]) -> None:
        """Called by the watcher with the paths of one file event."""
        relevant = {Path(p) for p in paths if self._is_watched(Path(p))}
        if not relevant:
            return
        folders = [path.name for path in relevant if path.parent == self.site_dir]
        if folders:
            self._watch_folders(renew=folders)  # content/ or templates/ came, went or moved
        with self._changed:
            self._pending.update(relevant)
            self._events += 1
            self._changed.notify_all()

    def _is_watched(self, path: Path) -> bool:
        if self._git_dirs is not None and is_ref_change(path, self._git_dirs):
            return True
        try:
            relative = path.relative_to(self.site_dir)
        except ValueError:
            return False
        parts = relative.parts
        if not parts or parts[0] not in WATCHED_FOLDERS:
            return False
        return not is_ignored_path("/".join(parts))

    def _rebuild_loop(self) -> None:
        while not self._stopping.is_set():
            changed = self._next_batch()
            if changed:
                self._rebuild(changed)

    def _next_batch(self) -> set[Path]:
        """Wait for file events, then for a quiet moment, and take them all at once."""
        with self._changed:
            while not self._pending and not self._stopping.is_set():
                self._changed.wait(timeout=0.5)
            started = time.monotonic()
            seen = -1
            while self._events != seen and not self._stopping.is_set():
                seen = self._events
                if time.monotonic() - started >= MAX_WAIT_SECONDS:
                    break
                self._changed.wait(timeout=DEBOUNCE_SECONDS)
            paths, self._pending = self._pending, set()
        if self._session is not None:
            self._session.forget(paths)
        return paths

    def _rebuild(self, changed: set[Path]) -> None:
        assert self._session is not None
        start = time.perf_counter()
        shown = sorted(display_path(path, self.site_dir) for path in changed)
        what = _summarise(shown) if shown else "initial build"
        # The day counts (what is overdue): a server left running overnight shows what
        # a build on the new day would.
        self._session.options = replace(self._session.options, today=build_today())
        try:
            outcome = self._session.build(changed=changed)
        except (ContentErrors, PmsiteError) as error:
            if isinstance(error, ContentErrors):
                lines = tuple(str(e) for e in error.errors)
            else:  # e.g. content/ itself is gone
                lines = (str(error),)
            self._publish_errors(lines)
            count = f"{len(lines)} error{'s' if len(lines) != 1 else ''}"
            log.error("%s: build failed, %s:\n%s", what, count, "\n".join(lines))
            return
        except Exception as error:  # never let a bad build stop the server
            lines = (f"internal error: {type(error).__name__}: {error}",)
            log.error("%s: build crashed\n%s", what, traceback.format_exc())
            self._publish_errors(lines)
            return
        files = {file.path: file for file in outcome.files}
        elapsed = (time.perf_counter() - start) * 1000
        self._publish(files)
        # Pages are counted as ``pmsite build`` counts them: the HTML files of the site.
        rendered = sum(1 for path in outcome.rendered_paths if path.endswith(".html"))
        log.info(
            "%s: %d pages, %d re-rendered, %.0f ms",
            what,
            outcome.pages,
            rendered,
            elapsed,
        )

    def _publish(self, files: dict[str, OutputFile]) -> None:
        old = self.snapshot
        changed = {p for p in files.keys() | old.files.keys() if files.get(p) != old.files.get(p)}
        css_only = bool(changed) and all(p.endswith(".css") for p in changed) and not old.errors
        self._swap(Snapshot(old.build_id + 1, files, (), css_only, good=True))

    def _publish_errors(self, errors: tuple[str, ...]) -> None:
        old = self.snapshot
        self._swap(Snapshot(old.build_id + 1, old.files, errors, good=old.good))

    def _swap(self, snapshot: Snapshot) -> None:
        with self._published:
            self.snapshot = snapshot
            self.builds += 1
            self._published.notify_all()

    def wait_for_change(self, build_id: int, timeout: float) -> Snapshot:
        """Block until a snapshot newer than ``build_id`` is published (or timeout)."""
        with self._published:
            self._published.wait_for(
                lambda: self.snapshot.build_id != build_id or self._stopping.is_set(),
                timeout=timeout,
            )
            return self.snapshot

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()


def _summarise(changed: list[str]) -> str:
    if len(changed) <= 3:
        return ", ".join(changed)
    return f"{', '.join(changed[:3])} and {len(changed) - 3} more"


class _WatchHandler(FileSystemEventHandler):
    def __init__(self, server: PreviewServer) -> None:
        self.server = server

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":
            return  # a file inside changed: that file's own event says which
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        self.server.notice(str(p) for p in paths if p)


# -- HTTP ------------------------------------------------------------------------------

RELOAD_SCRIPT = """<script>
(function () {
  var built = %d;
  var source = new EventSource("/__pmsite/events?since=" + built);
  source.addEventListener("reload", function () { source.close(); location.reload(); });
  source.addEventListener("css", function (event) {
    built = Number(event.data);
    document.querySelectorAll('link[rel="stylesheet"]').forEach(function (link) {
      var url = new URL(link.href);
      url.searchParams.set("pmsite", event.data);
      link.href = url.toString();
    });
  });
}());
</script>
"""

OVERLAY_STYLE = (
    "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;"
    "margin:0;padding:1rem 1.25rem;background:#2b0b0e;color:#ffe3e3;"
    "font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;border-top:4px solid #ff6b6b"
)


def overlay_html(errors: tuple[str, ...], good: bool = True) -> str:
    """The error overlay over a served page: the errors of the latest build, and what is
    shown under it (the last good build, or nothing when no build has succeeded yet)."""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in errors)
    shown = "showing the last good build" if good else "there is no good build yet"
    return (
        f'<aside id="pmsite-error-overlay" role="alert" style="{OVERLAY_STYLE}">'
        f"<strong>pmsite: the last build failed; {shown}.</strong>"
        f'<ul style="margin:.5rem 0 0;padding-left:1.25rem">{items}</ul></aside>\n'
    )


NO_BUILD_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build failed · pmsite</title>
<style>
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; background: #fff; color: #1b2129; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1rem 45vh; }
</style>
</head>
<body>
<main>
<h1>The site could not be built</h1>
<p>There is no good build yet: fix the errors below and save. This page reloads by itself
when the site builds.</p>
</main>
</body>
</html>
"""


def inject(page: bytes, snapshot: Snapshot) -> bytes:
    """The reload script (and the error overlay) before </body>, in served HTML only."""
    extra = RELOAD_SCRIPT % snapshot.build_id
    if snapshot.errors:
        extra = overlay_html(snapshot.errors, snapshot.good) + extra
    marker = page.lower().rfind(b"</body>")
    if marker == -1:
        return page + extra.encode("utf-8")
    return page[:marker] + extra.encode("utf-8") + page[marker:]


def resolve_request_path(raw: str) -> str | None:
    """The output file a request path names, or None when it tries to leave the site.

    Both the raw and the decoded path are checked, so '..', '%2e%2e', backslashes
    and NUL bytes never reach the snapshot lookup.
    """
    path = urlsplit(raw).path
    decoded = unquote(path)
    for candidate in (path, decoded):
        if "\\" in candidate or "\0" in candidate:
            return None
        if any(part in ("..", ".") for part in candidate.split("/")):
            return None
    normalised = posixpath.normpath("/" + decoded.lstrip("/"))
    relative = normalised.lstrip("/")
    if decoded.endswith("/") or relative == "":
        relative = f"{relative}/index.html" if relative else "index.html"
    return relative


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: tuple) -> None:
        """A client that goes away mid-response is normal for a browser; anything else
        is logged (with --debug, with its traceback) and the server carries on."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        log.warning("request from %s failed: %s", client_address[0], error)
        log.debug("%s", traceback.format_exc())


def _make_handler(server: PreviewServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_PreviewHandler):
        preview = server

    return Handler


class _PreviewHandler(BaseHTTPRequestHandler):
    preview: PreviewServer
    server_version = "pmsite"
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a client may stall; slow clients never block others anyway

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def do_GET(self) -> None:
        if urlsplit(self.path).path == EVENTS_PATH:
            self._events()
        else:
            self._respond(head=False)

    def _respond(self, head: bool) -> None:
        snapshot = self.preview.snapshot
        relative = resolve_request_path(self.path)
        if relative is None:
            self._send(HTTPStatus.BAD_REQUEST, b"bad path\n", "text/plain; charset=utf-8", head)
            return
        file = snapshot.files.get(relative)
        if file is None and f"{relative}/index.html" in snapshot.files:
            self._redirect(urlsplit(self.path).path + "/", head)
            return
        status = HTTPStatus.OK
        if file is None:
            status = HTTPStatus.NOT_FOUND
            file = snapshot.files.get("404.html")
            relative = "404.html"
        if file is None:
            self._send_missing(snapshot, head)
            return
        body = _file_bytes(file)
        if body is None:
            status, body, relative = HTTPStatus.NOT_FOUND, b"not found\n", "x.txt"
        content_type = content_type_for(relative)
        if content_type.startswith("text/html"):
            body = inject(body, snapshot)
        self._send(status, body, content_type, head)

    def _send_missing(self, snapshot: Snapshot, head: bool) -> None:
        """No build has succeeded yet: a page that says so, lists the errors and reloads
        when a build succeeds (503: the site is not there yet, not broken for good)."""
        if snapshot.good:  # a good build without a 404 page (a site's own templates)
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8", head)
            return
        page = NO_BUILD_PAGE.encode("utf-8")
        status = HTTPStatus.SERVICE_UNAVAILABLE
        self._send(status, inject(page, snapshot), "text/html; charset=utf-8", head)

    def _redirect(self, location: str, head: bool) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _send(self, status: HTTPStatus, body: bytes, content_type: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _events(self) -> None:
        """Server-Sent Events: 'reload' or 'css' whenever a newer build is published."""
        since = _since(urlsplit(self.path).query)
        if since < 0:
            since = self.preview.snapshot.build_id
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            while not self.preview.stopping:
                snapshot = self.preview.wait_for_change(since, timeout=15)
                if self.preview.stopping:
                    return
                if snapshot.build_id == since:
                    self.wfile.write(b": keep-alive\n\n")
                else:
                    kind = "css" if snapshot.css_only else "reload"
                    self.wfile.write(f"event: {kind}\ndata: {snapshot.build_id}\n\n".encode())
                    since = snapshot.build_id
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            return


def _since(query: str) -> int:
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name == "since" and value.isdigit():
            return int(value)
    return -1


def _file_bytes(file: OutputFile) -> bytes | None:
    if file.copy_from is None:
        return file.content or b""
    try:
        return file.copy_from.read_bytes()
    except OSError:
        return None


def content_type_for(path: str) -> str:
    return CONTENT_TYPES.get(posixpath.splitext(path)[1].lower(), "application/octet-stream")

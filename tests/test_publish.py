"""Publishing from a fresh repository (issue 12): the package as the index gets it, the
workflow ``pmsite init`` writes (read point by point, and its own shell steps run with
the freshly built wheel), the README's recipes, the project's own workflows, the 404
page at any depth, placeholder URLs, and dates that are shown rather than fatal.

Slow tests (marked) build packages, make virtual environments or drive Chromium.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import threading
import tomllib
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from email.parser import Parser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from mimetypes import guess_type
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from pmsite import __version__
from pmsite.options import BuildOptions
from pmsite.session import BuildSession

from .conftest import ROOT, MakeSite, goal, run_pmsite

VERSION_PIN = f'"pmsite=={__version__}"'
SOURCE_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "output", "build", "dist", "*.egg-info", "__pycache__", ".*cache*",
    "test-artifacts",
)  # fmt: skip


def epoch(day: dt.date) -> dict[str, str]:
    """The environment that makes pmsite run on ``day`` (SOURCE_DATE_EPOCH)."""
    moment = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
    return {"SOURCE_DATE_EPOCH": str(int(moment.timestamp()))}


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without PYTHONPATH (which would import the checkout, not what a
    virtual environment installed) and with ``extra``."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return {**env, **extra}


def git(cwd: Path, *args: str) -> None:
    env = clean_env(
        GIT_AUTHOR_NAME="T",
        GIT_AUTHOR_EMAIL="t@users.noreply.invalid",
        GIT_COMMITTER_NAME="T",
        GIT_COMMITTER_EMAIL="t@users.noreply.invalid",
    )
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


def commit_all(repo: Path) -> None:
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")


# -- a static server like GitHub Pages: the site under a sub-path, /404.html for misses ---


class _PagesHandler(BaseHTTPRequestHandler):
    root: Path
    prefix: str  # "/sub/" or "/"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def _answer(self, body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        found = self._file(path)
        if found is not None and found.is_dir():
            self.send_response(301)
            self.send_header("Location", path + "/")
            self.end_headers()
            return
        status = 200 if found is not None else 404
        found = found or self.root / "404.html"
        data = found.read_bytes()
        self.send_response(status)
        self.send_header("Content-Type", guess_type(found.name)[0] or "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _file(self, path: str) -> Path | None:
        if not path.startswith(self.prefix):
            return None
        target = (self.root / path[len(self.prefix) :]).resolve()
        if not target.is_relative_to(self.root.resolve()):
            return None
        if target.is_dir() and path.endswith("/"):
            target = target / "index.html"
        return target if target.exists() else None


@contextmanager
def pages_server(root: Path, prefix: str = "/sub/") -> Iterator[str]:
    """Serve ``root`` at http://127.0.0.1:PORT``prefix``; every miss gets ``root``/404.html
    with status 404. Yields the site's URL (ending with '/')."""
    handler = type("Handler", (_PagesHandler,), {"root": root, "prefix": prefix})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


def page_urls(output: Path, base: str) -> list[str]:
    """The URL of every HTML page of a built site but the 404 page."""
    urls = []
    for path in sorted(output.rglob("*.html")):
        relative = path.relative_to(output).as_posix()
        if relative != "404.html":
            urls.append(base + relative.removesuffix("index.html"))
    return urls


STYLESHEETS = """() => [...document.styleSheets].map(sheet => ({
    href: sheet.href, rules: sheet.cssRules.length, inline: sheet.ownerNode.tagName === "STYLE"
}))"""
STYLED = """() => getComputedStyle(document.querySelector("main.wrap")).maxWidth !== "none"
    && getComputedStyle(document.body).marginTop === "0px\""""


def loads_its_stylesheet(page: Any, url: str, base: str) -> int:
    """Open ``url``: its stylesheet is the site's assets/style.css, loaded and applied,
    and no request fails. Returns the page's HTTP status."""
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(f"failed: {request.url}"))
    page.on(
        "response",
        lambda r: (
            failed.append(f"{r.status}: {r.url}") if r.status >= 400 and r.url != url else None
        ),
    )
    response = page.goto(url, wait_until="networkidle")
    sheets = page.evaluate(STYLESHEETS)
    ours = [sheet for sheet in sheets if sheet["href"] == base + "assets/style.css"]
    assert len(ours) == 1 and ours[0]["rules"] > 20, (url, sheets)
    assert all(sheet["rules"] > 0 for sheet in sheets), (url, sheets)
    assert page.evaluate(STYLED), url
    assert failed == [], (url, failed)
    return response.status


# -- the package --------------------------------------------------------------------------


def copy_source(target: Path) -> Path:
    """The repository's files as a clean clone has them (no venv, output or caches)."""
    shutil.copytree(ROOT, target, ignore=SOURCE_IGNORE)
    return target


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel, built from a clean copy of the repository as the
    release workflow builds them (python -m build: the wheel is built from the sdist)."""
    base = tmp_path_factory.mktemp("dist")
    source = copy_source(base / "source")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(base / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "would be ignored" not in result.stdout + result.stderr  # setuptools' warning
    return base / "dist"


def the_wheel(dist: Path) -> Path:
    (wheel,) = dist.glob("pmsite-*.whl")
    return wheel


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, dist: Path) -> Path:
    """A fresh virtual environment with the wheel (and its dependencies) installed."""
    folder = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    result = subprocess.run(
        [folder / "bin/python", "-m", "pip", "install", "--quiet", the_wheel(dist)],
        capture_output=True,
        text=True,
        timeout=600,
        env=clean_env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


def in_venv(venv: Path, *args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """A command of the virtual environment (bin/ first on PATH), without the checkout."""
    env = clean_env(PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", VIRTUAL_ENV=str(venv))
    return subprocess.run(
        [str(arg) for arg in args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )


@pytest.mark.slow
def test_sdist_and_wheel_pass_twine_and_carry_the_theme(dist: Path) -> None:
    (sdist,) = dist.glob("pmsite-*.tar.gz")
    wheel = the_wheel(dist)
    assert sdist.name == f"pmsite-{__version__}.tar.gz"
    assert wheel.name == f"pmsite-{__version__}-py3-none-any.whl"
    twine = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", sdist, wheel],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert twine.returncode == 0, twine.stdout + twine.stderr
    assert twine.stdout.count("PASSED") == 2, twine.stdout
    theme = sorted(
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "templates").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = Parser().parsestr(
            archive.read(f"pmsite-{__version__}.dist-info/METADATA").decode("utf-8")
        )
    assert {f"pmsite/{name}" for name in theme} <= names
    assert f"pmsite-{__version__}.dist-info/licenses/LICENSE" in names
    assert metadata["Version"] == __version__
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert not any(name.startswith(("tests/", "content/")) for name in names)
    with tarfile.open(sdist) as archive:
        members = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"README.md", "LICENSE", "pyproject.toml", "pmsite/cli.py", *theme} <= members
    assert not any(name.startswith("tests/") for name in members)


@pytest.mark.slow
def test_the_wheel_installed_in_a_fresh_venv_starts_a_site(venv: Path, tmp_path: Path) -> None:
    where = in_venv(venv, "python", "-c", "import pmsite; print(pmsite.__file__)", cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr
    version = in_venv(venv, "pmsite", "--version")
    assert version.stdout.strip() == f"pmsite {__version__}"
    assert in_venv(venv, "pmsite", "init", "s", cwd=tmp_path).returncode == 0
    build = in_venv(venv, "pmsite", "build", "--site", "s", cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    assert (tmp_path / "s/output/assets/style.css").is_file()
    assert (tmp_path / "s/output/goals/first-goal/index.html").is_file()
    check = in_venv(venv, "pmsite", "check", "--strict", "--site", "s", cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout == "0 errors, 0 warnings\n"


@pytest.mark.slow
def test_the_release_workflow_checks_the_tag_and_takes_the_notes(
    venv: Path, dist: Path, tmp_path: Path
) -> None:
    """The release workflow's own step, run on a copy of the repository with the wheel
    in dist/: the right tag gives the notes of that version; another tag fails."""
    workflow = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())
    (script,) = [
        step["run"]
        for step in workflow["jobs"]["build"]["steps"]
        if "pmsite export changelog" in step.get("run", "")
    ]
    repo = copy_source(tmp_path / "repo")
    (repo / "dist").mkdir()
    shutil.copy(the_wheel(dist), repo / "dist")
    good = _bash(venv, script, repo, GITHUB_REF_NAME=f"v{__version__}")
    assert good.returncode == 0, good.stdout + good.stderr
    notes = (repo / "dist-notes.md").read_text(encoding="utf-8")
    assert notes.startswith(f"## [{__version__}] - ")
    assert "\n### " in notes and "## [" not in notes[3:]  # this version only
    (repo / "dist-notes.md").unlink()
    wrong = _bash(venv, script, repo, GITHUB_REF_NAME="v99.0.0")
    assert wrong.returncode == 1
    assert "::error::tag v99.0.0 does not match" in wrong.stdout
    assert not (repo / "dist-notes.md").exists()


def _bash(venv: Path, script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """A workflow step's script, as the runner runs it (bash -e), with the virtual
    environment as the runner's Python."""
    path = f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_env(PATH=path, VIRTUAL_ENV=str(venv), GITHUB_ACTIONS="true", **env),
    )


# -- the workflow pmsite init writes ------------------------------------------------------


def init_workflow(tmp_path: Path) -> dict:
    result = run_pmsite("init", tmp_path / "new")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load((tmp_path / "new/.github/workflows/pmsite.yml").read_text())


def test_init_workflow_point_by_point(tmp_path: Path) -> None:
    workflow = init_workflow(tmp_path)
    text = (tmp_path / "new/.github/workflows/pmsite.yml").read_text()
    triggers = workflow[True]  # YAML 1.1 reads the key 'on' as true
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    assert triggers["schedule"] == [{"cron": "23 4 * * *"}]  # a daily build shows "Overdue"
    check, publish = workflow["jobs"]["check"], workflow["jobs"]["publish"]
    assert check["if"] == "github.event_name == 'pull_request'"
    assert publish["if"] == "github.event_name != 'pull_request'"
    for job in (check, publish):
        steps = job["steps"]
        checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
        assert checkout["with"]["fetch-depth"] == 0
        runs = [s["run"] for s in steps if "run" in s]
        assert f"pip install {VERSION_PIN}" in runs  # the exact version that wrote it
        check_run = "pmsite check --strict --format github"
        if job is check:  # a pull request also gets notices for what it postpones (issue 15)
            check_run += ' --base "origin/${{ github.base_ref }}"'
        assert check_run in runs
    assert re.search(rf"# pmsite {re.escape(__version__)} wrote this file.*\n# .*upgrade", text)
    steps = publish["steps"]
    uses = [s.get("uses", "") for s in steps]
    configure = next(s for s in steps if s.get("uses", "").startswith("actions/configure-pages@"))
    build = next(s for s in steps if s.get("run", "").startswith("pmsite build"))
    assert configure["id"]
    assert build["run"] == (
        f'pmsite build --base-url "${{{{ steps.{configure["id"]}.outputs.base_url }}}}/"'
    )
    upload = uses.index("actions/upload-pages-artifact@v3")
    assert (
        steps.index(configure) < steps.index(build) < upload < uses.index("actions/deploy-pages@v4")
    )
    assert steps[upload]["with"]["path"] == "output"
    # The last publication's cache and output come back before the build (issue 14).
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"].split() == [".pmsite-cache", "output"]
    key = f"pmsite-{__version__}-${{{{ github.sha }}}}-${{{{ github.run_id }}}}"
    assert cache["with"]["key"] == key  # every run saves: a daily run of the same commit too
    assert cache["with"]["restore-keys"] == f"pmsite-{__version__}-"
    assert steps.index(cache) < steps.index(build)
    assert publish["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    deploy = next(s for s in steps if s.get("uses") == "actions/deploy-pages@v4")
    assert publish["environment"]["url"] == f"${{{{ steps.{deploy['id']}.outputs.page_url }}}}"
    assert workflow["permissions"] == {"contents": "read"}


@pytest.mark.slow
def test_the_workflow_steps_publish_a_site_that_works_under_a_sub_path(
    venv: Path, dist: Path, chromium: Any, tmp_path: Path
) -> None:
    """The publish job's own shell steps, in order, in a fresh repository made by
    `pmsite init`, with the install step pointed at the wheel and configure-pages'
    base_url standing for the Pages address; then every page, and the 404 page three
    folders deep, loads the site's stylesheet from under the sub-path."""
    repo = tmp_path / "repo"
    assert in_venv(venv, "pmsite", "init", repo).returncode == 0
    commit_all(repo)
    workflow = yaml.safe_load((repo / ".github/workflows/pmsite.yml").read_text())
    steps = workflow["jobs"]["publish"]["steps"]
    pages_id = next(s["id"] for s in steps if s.get("uses", "").startswith("actions/configure-"))
    (repo / "output").mkdir()
    with pages_server(repo / "output") as base:
        ran = []
        for step in steps:
            if "run" not in step:
                continue
            script = step["run"].replace(
                f"${{{{ steps.{pages_id}.outputs.base_url }}}}", base.rstrip("/")
            )
            if script.startswith("pip install"):
                assert VERSION_PIN in script
                script = script.replace(VERSION_PIN, shlex.quote(str(the_wheel(dist))))
            assert "${{" not in script, script  # an expression this test does not know
            result = _bash(venv, script, repo)
            assert result.returncode == 0, (script, result.stdout, result.stderr)
            ran.append(script)
        assert [script.split()[:2] for script in ran] == [
            ["pip", "install"],
            ["pmsite", "check"],
            ["pmsite", "build"],
        ]
        urls = page_urls(repo / "output", base)
        assert len(urls) >= 12  # home, lists, items, tags, search
        context = chromium.new_context()
        for url in urls:
            page = context.new_page()
            assert loads_its_stylesheet(page, url, base) == 200, url
            page.close()
        page = context.new_page()
        assert loads_its_stylesheet(page, base + "a/b/c", base) == 404
        assert page.locator("h1").inner_text() == "Page not found"
        page.locator("main").get_by_role("link", name="Roadmap").click()
        page.wait_for_load_state()
        assert page.url == base + "roadmap/"
        assert page.locator("h1").inner_text() == "Roadmap"
        context.close()
    canonical = (repo / "output/goals/first-goal/index.html").read_text()
    assert f'<link rel="canonical" href="{base}goals/first-goal/">' in canonical
    assert "example.org" not in (repo / "output/feed.xml").read_text()


# -- the README's recipes -----------------------------------------------------------------


def readme_block(after: str, language: str) -> str:
    """The first ```language block of the README after the text ``after``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(after)
    match = re.compile(rf"```{language}\n(.*?)```", re.DOTALL).search(text, start)
    assert match is not None, (after, language)
    return match[1]


def test_gitlab_and_netlify_recipes_install_the_same_way_and_pass_their_url() -> None:
    gitlab = yaml.safe_load(readme_block("**GitLab Pages**", "yaml"))["pages"]
    assert gitlab["variables"]["GIT_DEPTH"] == 0
    assert gitlab["script"][0] == f"pip install {VERSION_PIN}"
    assert 'pmsite build --base-url "$CI_PAGES_URL/" --output public' in gitlab["script"]
    assert gitlab["cache"] == {"key": f"pmsite-{__version__}", "paths": [".pmsite-cache", "public"]}
    assert "pmsite check --strict" in gitlab["script"]
    netlify = tomllib.loads(readme_block("**Netlify**", "toml"))
    production = netlify["build"]["command"]
    previews = [netlify["context"][c]["command"] for c in ("deploy-preview", "branch-deploy")]
    assert production.startswith(f"pip install {VERSION_PIN} && pmsite check --strict && ")
    assert production.endswith('pmsite build --base-url "$URL/"')
    for command in previews:
        assert command == production.replace("$URL/", "$DEPLOY_PRIME_URL/")
    assert netlify["build"]["publish"] == "output"


def test_pre_commit_snippet_names_the_tag_of_this_version() -> None:
    snippet = yaml.safe_load(readme_block("**pre-commit**", "yaml"))
    (repo,) = snippet["repos"]
    assert repo["rev"] == f"v{__version__}"
    assert repo["hooks"] == [{"id": "pmsite-check"}]
    local = yaml.safe_load(readme_block("without naming a repository", "yaml"))
    (hook,) = local["repos"][0]["hooks"]
    assert hook["additional_dependencies"] == [f"pmsite=={__version__}"]
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["entry"] == hooks[0]["entry"] == "pmsite check --strict"
    assert f"rev: v{__version__}" in (ROOT / ".pre-commit-hooks.yaml").read_text()
    maintainers = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"git tag v{__version__}" in maintainers


@pytest.mark.slow
def test_pre_commit_try_repo_runs_the_hook(tmp_path: Path) -> None:
    """`pre-commit try-repo` installs this repository as pre-commit would from its tag,
    and its hook passes a new site and stops a broken one."""
    pytest.importorskip("pre_commit")
    repo = copy_source(tmp_path / "pmsite")
    commit_all(repo)
    site = tmp_path / "site"
    assert run_pmsite("init", site).returncode == 0
    commit_all(site)
    env = clean_env(PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(repo), "pmsite-check"]
    run = {"cwd": site, "env": env, "capture_output": True, "text": True, "timeout": 900}
    passed = subprocess.run([*command, "--all-files"], **run)  # type: ignore[call-overload]
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"pmsite check\.+Passed", passed.stdout), passed.stdout
    (site / "content/goals/first-goal.md").write_text(goal("Broken", "wip"))
    failed = subprocess.run([*command, "--all-files"], **run)  # type: ignore[call-overload]
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "content/goals/first-goal.md:3: error: status: unknown value 'wip'" in failed.stdout


# -- the project's own workflows ----------------------------------------------------------


def test_pages_workflow_builds_for_the_pages_address() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/pages.yml").read_text())
    test, publish = workflow["jobs"]["test"], workflow["jobs"]["publish"]
    assert publish["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert publish["permissions"]["id-token"] == "write"
    for job in (test, publish):
        checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout"))
        assert checkout["with"]["fetch-depth"] == 0
    steps = publish["steps"]
    configure = next(s for s in steps if s.get("uses", "").startswith("actions/configure-pages@"))
    build = next(s for s in steps if s.get("run", "").startswith("pmsite build"))
    assert build["run"] == (
        f'pmsite build --base-url "${{{{ steps.{configure["id"]}.outputs.base_url }}}}/"'
    )
    assert steps.index(configure) < steps.index(build)
    assert {"run": "pip install ."} in steps  # the example site is built by this checkout
    assert "base_url" not in yaml.safe_load((ROOT / "content/site.yaml").read_text())


def test_release_workflow_publishes_by_trusted_publishing_on_version_tags() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())
    assert workflow[True] == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {"contents": "read"}
    jobs = workflow["jobs"]
    build_runs = "\n".join(s.get("run", "") for s in jobs["build"]["steps"])
    assert "python -m build" in build_runs and "twine check --strict dist/*" in build_runs
    pypi = jobs["pypi"]
    assert pypi["needs"] == "build"
    assert pypi["permissions"] == {"id-token": "write"}
    assert pypi["environment"]["name"] == "pypi"
    (publish,) = [s for s in pypi["steps"] if "gh-action-pypi-publish" in s.get("uses", "")]
    assert publish["uses"] == "pypa/gh-action-pypi-publish@release/v1"
    assert "with" not in publish  # no password or token: trusted publishing
    release = jobs["github-release"]
    assert release["needs"] == "pypi"
    assert release["permissions"] == {"contents": "write"}
    script = next(s["run"] for s in release["steps"] if "gh release create" in s.get("run", ""))
    assert "--notes-file dist-notes.md" in script and "--verify-tag" in script


def test_export_of_one_release_is_its_section(tmp_path: Path) -> None:
    result = run_pmsite("export", "changelog", "--release", __version__, "--site", ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"## [{__version__}] - ")
    whole = run_pmsite("export", "changelog", "--site", ROOT).stdout
    assert result.stdout.strip() in whole
    missing = run_pmsite("export", "changelog", "--release", "9.9.9", "--site", ROOT)
    assert missing.returncode == 1
    assert missing.stderr.startswith("--release: no release has version '9.9.9' (the newest: ")
    assert "Traceback" not in missing.stderr


# -- no placeholder URLs ------------------------------------------------------------------


def test_init_leaves_base_url_out_and_says_why(tmp_path: Path) -> None:
    init_workflow(tmp_path)
    text = (tmp_path / "new/content/site.yaml").read_text()
    assert "base_url" not in yaml.safe_load(text)
    assert "# base_url:" in text and "--base-url" in text
    assert "example.org" not in text


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/",
        "https://example.com/product/",
        "https://docs.example.net/",
        "http://localhost:8000/",
        "http://127.0.0.1:8000/",
        "https://roadmap.test/",
    ],
)
def test_a_placeholder_base_url_is_flagged(make_site: MakeSite, url: str) -> None:
    site = make_site(
        {"content/goals/a.md": goal(owner="Ann")},
        site_yaml=f"title: T\n# base_url: a comment\nbase_url: {url}\n",
    )
    result = run_pmsite("check", "--site", site)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"content/site.yaml:3: warning: base_url: {url} is a placeholder")
    assert "remove base_url and pass --base-url" in lines[0]
    assert lines[-1] == "0 errors, 1 warning"
    strict = run_pmsite("check", "--strict", "--site", site, "--format", "json")
    assert strict.returncode == 1
    (finding,) = json.loads(strict.stdout)
    assert (finding["file"], finding["line"], finding["severity"]) == (
        "content/site.yaml",
        3,
        "error",
    )
    assert run_pmsite("build", "--site", site).returncode == 0  # a local build is fine


@pytest.mark.parametrize(
    "url", ["https://acme.github.io/roadmap/", "https://example.organic.com/", "https://x.org/"]
)
def test_a_real_base_url_is_not_flagged(make_site: MakeSite, url: str) -> None:
    site = make_site(
        {"content/goals/a.md": goal(owner="Ann")}, site_yaml=f"title: T\nbase_url: {url}\n"
    )
    result = run_pmsite("check", "--strict", "--site", site)
    assert (result.returncode, result.stdout) == (0, "0 errors, 0 warnings\n")


# -- the 404 page without a base_url ------------------------------------------------------


@pytest.fixture
def no_base_url_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    assert run_pmsite("init", site).returncode == 0
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 0, result.stderr
    assert "note: content/site.yaml: no base_url" in result.stderr
    return site / "output"


@pytest.mark.slow
@pytest.mark.parametrize("prefix", ["/sub/", "/"])
def test_404_without_base_url_is_styled_and_navigable_at_depth_3(
    chromium: Any, no_base_url_site: Path, prefix: str
) -> None:
    with pages_server(no_base_url_site, prefix) as base:
        context = chromium.new_context()
        page = context.new_page()
        response = page.goto(base + "a/b/c", wait_until="networkidle")
        assert response.status == 404
        assert page.evaluate(STYLED)
        assert all(sheet["inline"] for sheet in page.evaluate(STYLESHEETS))
        home = page.locator("a.site-title")
        page.wait_for_function(f"() => document.querySelector('a.site-title').href === {base!r}")
        assert home.get_attribute("href") == prefix
        page.locator("main").get_by_role("link", name="Roadmap").click()
        page.wait_for_load_state()
        assert page.url == base + "roadmap/"
        assert page.locator("h1").inner_text() == "Roadmap"
        assert page.evaluate(STYLED)
        context.close()


@pytest.mark.slow
def test_404_without_base_url_is_styled_without_javascript(
    chromium: Any, no_base_url_site: Path
) -> None:
    with pages_server(no_base_url_site) as base:
        context = chromium.new_context(java_script_enabled=False)
        page = context.new_page()
        assert page.goto(base + "a/b/c/").status == 404
        assert page.evaluate(STYLED)  # Playwright's own script runs; the page's does not
        assert page.locator("a.site-title").get_attribute("href") == "/"
        context.close()


def test_404_page_inlines_the_sites_own_stylesheet(make_site: MakeSite) -> None:
    site = make_site(
        {"templates/assets/style.css": "/* mine */ @media print{#main{color:red}} {{ x }}\n"},
        site_yaml="title: T\n",
    )
    assert run_pmsite("build", "--site", site).returncode == 0
    page = (site / "output/404.html").read_text()
    assert "<style>\n/* mine */ @media print{#main{color:red}} {{ x }}\n</style>" in page
    assert 'href="/roadmap/"' in page and "assets/style.css" not in page.split("<script>")[0]
    with_base = run_pmsite("build", "--site", site, "--base-url", "https://acme.github.io/r/")
    assert with_base.returncode == 0
    page = (site / "output/404.html").read_text()
    assert '<link rel="stylesheet" href="/r/assets/style.css">' in page
    assert 'href="/r/roadmap/"' in page and "<style>" not in page and "<script>" not in page


# -- dates: shown, not fatal --------------------------------------------------------------

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
OVERDUE_SITE = {
    "content/goals/late.md": goal("Late goal", "in-progress", target="2026-Q1", owner="Ann"),
    "content/goals/later.md": goal("Later goal", "planned", target="2026-Q2", owner="Ann"),
    "content/goals/done.md": goal("Done goal", "done", target="2026-Q1", owner="Ann"),
    "content/releases/2.0.0.md": "---\nversion: 2.0.0\nstatus: planned\ntarget: 2026-03\n---\n",
    "content/releases/1.0.0.md": "---\nversion: 1.0.0\ndate: 2026-01-10\n---\n",
}
REAL_URL = "title: T\nbase_url: https://acme.github.io/roadmap/\n"


def test_an_overdue_goal_is_a_notice_and_shown_on_the_site(make_site: MakeSite) -> None:
    site = make_site(OVERDUE_SITE, site_yaml=REAL_URL)
    day = epoch(dt.date(2026, 5, 2))
    strict = run_pmsite("check", "--strict", "--site", site, env=day)
    assert strict.returncode == 0, strict.stdout
    assert strict.stdout.splitlines() == [
        "content/goals/late.md:4: notice: target: the goal is overdue: its target 2026-Q1"
        " ended 2026-03-31 and it is still in-progress (in Now); move the target or update"
        " the status",
        "content/releases/2.0.0.md:4: notice: target: planned release 2.0.0 is overdue: its"
        " target 2026-03 ended 2026-03-31; release it or move the target",
        "0 errors, 0 warnings, 2 notices",
    ]
    github = run_pmsite("check", "--strict", "--format", "github", "--site", site, env=day)
    assert github.returncode == 0
    assert github.stdout.startswith("::notice file=content/goals/late.md,line=4::target: the")
    listed = json.loads(run_pmsite("check", "--format", "json", "--site", site, env=day).stdout)
    assert [entry["severity"] for entry in listed] == ["notice", "notice"]

    assert run_pmsite("build", "--site", site, env=day).returncode == 0
    marker = 'Overdue · due <time datetime="2026-03-31">31 Mar 2026</time>'
    out = site / "output"
    goal_page = (out / "goals/late/index.html").read_text()
    assert goal_page.count(marker) == 1
    roadmap = (out / "roadmap/index.html").read_text()
    assert roadmap.count(marker) == 3  # its card on the board, the timeline, the themes
    assert (out / "index.html").read_text().count(marker) == 1  # the Now card
    assert (out / "goals/index.html").read_text().count(marker) == 1
    assert "Overdue" not in (out / "goals/later/index.html").read_text()  # due 30 June
    assert "Overdue" not in (out / "goals/done/index.html").read_text()
    assert marker in (out / "releases/2.0.0/index.html").read_text()
    assert marker in (out / "releases/index.html").read_text()
    assert "Overdue" not in (out / "releases/1.0.0/index.html").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_overdue_markers_pass_axe(chromium: Any, make_site: MakeSite, scheme: str) -> None:
    """The markers are readable (contrast) and well formed in both colour schemes."""
    from axe_playwright_python.sync_playwright import Axe

    site = make_site(OVERDUE_SITE, site_yaml=REAL_URL)
    with pages_server(site / "output") as base:
        build = run_pmsite(
            "build", "--site", site, "--base-url", base, env=epoch(dt.date(2026, 5, 2))
        )
        assert build.returncode == 0, build.stderr
        context = chromium.new_context(color_scheme=scheme)
        page = context.new_page()
        for path in ["", "roadmap/", "goals/", "goals/late/", "releases/", "releases/2.0.0/"]:
            assert "Overdue" in (site / "output" / path / "index.html").read_text()
            page.goto(base + path, wait_until="networkidle")
            assert page.locator(".badge-overdue").count() >= 1
            results = Axe().run(page, options=WCAG)
            violations = [
                f"{v['id']}: {v['help']} ({v['nodes'][0]['target']})"
                for v in results.response["violations"]
            ]
            assert violations == [], (path, scheme, violations)
        context.close()


def test_a_broken_link_still_fails_strict_next_to_notices(make_site: MakeSite) -> None:
    files = {**OVERDUE_SITE, "content/goals/b.md": goal("B", owner="Ann") + "[x](../nowhere/)\n"}
    site = make_site(files, site_yaml=REAL_URL)
    day = epoch(dt.date(2026, 5, 2))
    result = run_pmsite("check", "--strict", "--site", site, env=day)
    assert result.returncode == 1
    assert result.stdout.endswith("1 error, 0 warnings, 2 notices\n")


def test_the_day_a_target_passes_a_build_shows_it(make_site: MakeSite) -> None:
    """A no-op build never keeps yesterday's pages: the day is part of what it compares."""
    site = make_site(OVERDUE_SITE, site_yaml=REAL_URL)
    on_time = run_pmsite("build", "--site", site, env=epoch(dt.date(2026, 3, 31)))
    assert on_time.returncode == 0
    assert "Overdue" not in (site / "output/goals/late/index.html").read_text()
    again = run_pmsite("build", "--site", site, env=epoch(dt.date(2026, 3, 31)))
    assert again.stdout.startswith("Nothing changed")
    late = run_pmsite("build", "--site", site, env=epoch(dt.date(2026, 4, 1)))
    assert late.stdout.startswith("Built"), late.stdout
    assert "Overdue" in (site / "output/goals/late/index.html").read_text()


def test_a_patched_build_on_a_new_day_equals_a_clean_build(make_site: MakeSite) -> None:
    """The preview server's session: a text edit the next day is not patched into the
    model of the day before (which knew nothing was overdue)."""
    site = make_site(OVERDUE_SITE, site_yaml=REAL_URL)
    session = BuildSession(site, BuildOptions.of(today=dt.date(2026, 3, 31)))
    session.build()
    path = site / "content/goals/late.md"
    path.write_text(path.read_text() + "More text.\n")
    session.options = BuildOptions.of(today=dt.date(2026, 4, 1))
    patched = {f.path: f.content for f in session.build(changed=[path]).files}
    clean = BuildSession(site, BuildOptions.of(today=dt.date(2026, 4, 1))).build()
    assert patched == {f.path: f.content for f in clean.files}
    assert b"Overdue" in patched["goals/late/index.html"]


def test_a_goal_no_commit_touched_for_months_is_a_notice(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/goals/old.md": goal("Old", "in-progress", owner="Ann"),
            "content/goals/finished.md": goal("Finished", "done", owner="Ann"),
        },
        site_yaml=REAL_URL,
    )
    env = {"GIT_AUTHOR_DATE": "2026-01-05T10:00:00", "GIT_COMMITTER_DATE": "2026-01-05T10:00:00"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
        subprocess.run(
            ["git", "-c", "user.name=T", "-c", "user.email=t@x.invalid", *args],
            cwd=site,
            check=True,
            env={**os.environ, **env},
        )
    soon = run_pmsite("check", "--strict", "--site", site, env=epoch(dt.date(2026, 4, 5)))
    assert soon.stdout == "0 errors, 0 warnings\n"  # 90 days
    later = run_pmsite("check", "--strict", "--site", site, env=epoch(dt.date(2026, 4, 6)))
    assert later.returncode == 0
    assert later.stdout.splitlines() == [
        "content/goals/old.md:2: notice: no update for 91 days (last commit 2026-01-05);"
        " check that its status, progress and target are still right",
        "0 errors, 0 warnings, 1 notice",
    ]


# -- pmsite new (issue 16, class 14) ------------------------------------------------------


def test_new_goal_from_a_title(make_site: MakeSite) -> None:
    site = make_site()
    result = run_pmsite("new", "goal", "Better search", "--site", site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("content/goals/better-search.md")
    front = yaml.safe_load((site / "content/goals/better-search.md").read_text().split("---")[1])
    assert front["title"] == "Better search"
    again = run_pmsite("new", "goal", "Better Search", "--site", site)
    assert again.returncode == 1 and "already exists" in again.stderr


def test_new_reflection_without_a_name_is_named_by_its_date(make_site: MakeSite) -> None:
    site = make_site()
    today = dt.date.today()
    first = run_pmsite("new", "reflection", "--site", site)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().endswith(f"content/reflections/{today.isoformat()}.md")
    second = run_pmsite("new", "reflection", "--site", site)
    assert second.stdout.strip().endswith(f"content/reflections/{today.isoformat()}-2.md")
    text = (site / f"content/reflections/{today.isoformat()}.md").read_text()
    front = yaml.safe_load(text.split("---")[1])
    assert front["date"] == today
    assert front["title"] == f"Reflection, {today.day} {today:%B} {today.year}"


def test_new_release_follows_the_newest_released_one(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/releases/2.4.0.md": "---\nversion: 2.4.0\ndate: 2026-01-01\n---\n",
            "content/releases/2.4.1.md": "---\nversion: '2.4.1'\nstatus: planned\n---\n",
            "content/releases/3.0.0.md": "---\nversion: 3.0.0\nstatus: planned  # big\n---\n",
        }
    )
    result = run_pmsite("new", "release", "--site", site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("content/releases/2.4.2.md")  # 2.4.1 is taken
    text = (site / "content/releases/2.4.2.md").read_text()
    front = yaml.safe_load(text.split("---")[1])
    assert list(front["changes"]) == [
        *("added", "changed", "deprecated", "removed", "fixed", "security")
    ]


def test_new_goal_and_metric_pass_check_strict(make_site: MakeSite) -> None:
    site = make_site(site_yaml=REAL_URL)
    assert run_pmsite("new", "goal", "Better search", "--site", site).returncode == 0
    new_metric = run_pmsite("new", "metric", "nps", "--site", site)
    assert new_metric.returncode == 0
    assert "draft" in new_metric.stderr  # says how it gets published
    result = run_pmsite("check", "--strict", "--site", site)
    assert (result.returncode, result.stdout) == (0, "0 errors, 0 warnings\n")
    drafts = run_pmsite("build", "--site", site, "--drafts")
    assert drafts.returncode == 0
    assert (site / "output/goals/better-search/index.html").is_file()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../escape", "it looks like a path"),
        ("!!!", "it has no letters or digits"),
        ("  ", "needs a NAME"),
    ],
)
def test_new_refuses_names_with_the_fix(make_site: MakeSite, name: str, message: str) -> None:
    result = run_pmsite("new", "goal", name, "--site", make_site())
    assert result.returncode == 2
    assert message in result.stderr and '"Better search"' in result.stderr
    assert "Traceback" not in result.stderr

"""Ctrl-C stops the preview server however it was started: a process launched in the
background by a shell script inherits SIGINT as ignored, and Python then leaves it so
unless pmsite sets its own handler."""

from __future__ import annotations

import signal
import subprocess
import sys

from .conftest import FIXTURES


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_ctrl_c_stops_a_server_started_with_sigint_ignored(tmp_path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "pmsite", "serve", "--site", str(FIXTURES / "basic"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_ignore_sigint,  # as a background job of a non-interactive shell
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        while line and not line.startswith("Serving"):
            line = process.stdout.readline()
        assert line.startswith("Serving"), process.stderr.read()  # type: ignore[union-attr]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert "Stopped." in process.stdout.read()
    finally:
        process.kill()
        process.wait()

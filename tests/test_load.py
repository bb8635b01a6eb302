"""The short form of the preview server's load test (benchmarks/load.py runs the long one)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import FIXTURES, ROOT

pytestmark = pytest.mark.slow  # seconds of load on the preview server


def load_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pmsite_load", ROOT / "benchmarks/load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_readers_during_edits_see_only_whole_builds(tmp_path: Path) -> None:
    load = load_module()
    result = load.run_load(FIXTURES / "basic", clients=10, seconds=3, edit_every=0.2)
    assert result.failures == []
    assert result.requests > 50
    assert len(result.builds) >= 3  # the edits did produce new builds while reading
    assert all(len(titles) == 1 for titles in result.builds.values())

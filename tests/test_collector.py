"""The garbage collector's policy for a process that builds once (collector.py), checked
in a fresh interpreter: freezing objects in the test process would keep them forever."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import gc
    from pmsite import collector
    from pmsite.render.parallel import fork_map

    def collected(value):  # whether the collector walks it (frozen objects are not listed)
        return any(found is value for found in gc.get_objects())

    def made_inside():
        with collector.long_lived():
            paused = not gc.isenabled()
            model = [{"item": n} for n in range(100)]
        return paused, collected(model), gc.isenabled(), model

    paused, walked, enabled, model = made_inside()
    print("library:", paused, walked, enabled)
    collector.builds_once()
    paused, walked, enabled, model = made_inside()
    print("once:", paused, walked, enabled)
    fork_map(lambda state, n: n * 2, None, list(range(64)), 1)
    print("walked after fork_map:", collected(model))
    """
)


def test_a_process_that_builds_once_freezes_its_model_and_a_library_caller_does_not() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == [
        "library: False True True",
        "once: True False True",
        "walked after fork_map: False",
    ]

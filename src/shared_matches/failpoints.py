"""Crash on purpose at a named step, to prove that an interrupted cleanup can be resumed.

Set SHARED_MATCHES_FAIL_AT=<step> (or pass the hidden `--fail-at <step>` option): when the
command reaches that step, the process kills itself with SIGKILL, exactly like a user's
`kill -9` or a power cut: no `finally`, no clean-up, open transactions left uncommitted.
"""

from __future__ import annotations

import os
import signal
import sys

ENV_VAR = "SHARED_MATCHES_FAIL_AT"

CLEANUP_STEPS = (
    "after_gate",
    "during_backup",
    "after_backup",
    "during_drop",
    "after_drop",
    "after_views",
    "after_checks",
    "before_swap",
    "after_swap",
)
RESTORE_STEPS = ("after_safety_copy", "before_swap")
# the read layer's publish (read_layer.py), after a merge's warehouse commit
LAYER_STEPS = (
    "layer_before_publish",
    "layer_after_write",
    "layer_after_rename",
    "layer_before_clear",
)


def failpoint(step: str) -> None:
    """Die now if this step was chosen."""
    if os.environ.get(ENV_VAR) == step:
        print(f"[{ENV_VAR}] killed at step {step}", file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)


def arm(step: str | None) -> None:
    """Choose the step from a command-line option (same effect as the environment variable)."""
    if step:
        os.environ[ENV_VAR] = step

"""One writer at a time: an advisory lock on the warehouse for every command that writes it.

DuckDB allows one writing process per file and fails at once when another holds it; this lock
turns "two migrations started together" into "the second waits (and says so)", or stops with
a clear message once `timeout` seconds have passed.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from shared_matches.paths import DataDir, UserError

LOCK_NAME = ".warehouse.lock"
POLL_SECONDS = 0.5
# how long a command waits for another that holds the warehouse (--lock-timeout)
LOCK_TIMEOUT = 600.0


def lock_path(data_dir: DataDir) -> Path:
    return data_dir.warehouse_dir / LOCK_NAME


@contextmanager
def warehouse_lock(
    data_dir: DataDir, purpose: str, timeout: float = LOCK_TIMEOUT
) -> Iterator[None]:
    """Hold the warehouse write lock; wait up to `timeout` seconds for another holder."""
    data_dir.warehouse_dir.mkdir(parents=True, exist_ok=True)
    data_dir.protect_warehouse()  # no more readable than the player DBs
    path = lock_path(data_dir)
    handle = path.open("a+")
    try:
        deadline = time.monotonic() + timeout
        announced = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _read_holder(path)
                if time.monotonic() >= deadline:
                    raise UserError(
                        f"The warehouse {data_dir.warehouse} is busy ({holder}); gave up after "
                        f"{timeout:.0f} s. Wait for that command to finish, then run again."
                    ) from None
                if not announced:
                    print(f"Waiting for the warehouse lock: {holder} ...", flush=True)
                    announced = True
                time.sleep(POLL_SECONDS)
        handle.seek(0)
        handle.truncate()
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        handle.write(f"{purpose} (pid {os.getpid()}, since {stamp})")
        handle.flush()
        yield
    finally:
        handle.close()
        data_dir.protect_warehouse()  # the command may have created the file


def _read_holder(path: Path) -> str:
    try:
        text = path.read_text().strip()
    except OSError:
        text = ""
    return text or "another command is writing it"

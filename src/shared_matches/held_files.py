"""Which DuckDB files another program holds open, asked without taking any lock.

A DuckDB connection (any version, any language, read-only or not) holds a POSIX advisory lock
on its database file for as long as it is open: a shared one when read-only, an exclusive one
otherwise. ``F_GETLK`` asks the system whether a lock would conflict with an exclusive one,
and who holds it, without taking one, so a reader that opens the file at that moment is never
refused. The question is asked in a child process: closing any descriptor of a file drops every
POSIX lock the closing process holds on it, and this process may hold a DuckDB connection to
the same file.

Used by the read layer: a reader of a cleaned player DB's views lists the layer's files when
its query starts and opens them as the query goes, so a file is deleted only while no other
program holds a player DB open (docs/read-layer.md). Where the question cannot be asked
(Windows, an unknown system), the answer is ``None``: unknown.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

# the child: prints the paths another process holds a lock on (struct flock's layout differs)
PROBE = r"""
import fcntl, json, os, struct, sys
layout = {"linux": "@hhqqi", "darwin": "@qqihh"}[sys.platform]
def held(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        if sys.platform == "darwin":
            query = struct.pack(layout, 0, 0, 0, fcntl.F_WRLCK, os.SEEK_SET)
            answer = struct.unpack(layout, fcntl.fcntl(fd, fcntl.F_GETLK, query))[3]
        else:
            query = struct.pack(layout, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
            answer = struct.unpack(layout, fcntl.fcntl(fd, fcntl.F_GETLK, query))[0]
        return answer != fcntl.F_UNLCK
    finally:
        os.close(fd)
print(json.dumps([p for p in sys.argv[1:] if held(p)]))
"""
SUPPORTED = ("linux", "darwin")
PROBE_TIMEOUT_SECONDS = 30


def _probe(paths: Sequence[Path]) -> list[Path] | None:
    if sys.platform not in SUPPORTED:
        return None
    try:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, *(str(p) for p in paths)],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_SECONDS,
            check=True,
        )
        return [Path(p) for p in json.loads(done.stdout)]
    except (OSError, subprocess.SubprocessError, ValueError):
        return None  # could not ask: unknown


# the question itself (a test puts a platform where it cannot be asked in its place)
PROBE_HOOK: Callable[[Sequence[Path]], list[Path] | None] = _probe


def held_by_others(paths: Sequence[Path]) -> list[Path] | None:
    """The files of ``paths`` that another process holds open with DuckDB (or any POSIX
    lock); ``None`` when that cannot be known here."""
    existing = [p for p in paths if p.is_file()]
    if not existing:
        return []
    return PROBE_HOOK(existing)

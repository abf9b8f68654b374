"""Timing and peak memory of the benchmark's steps: each runs in its own process (the worker),
timed from its start to its exit; its peak RSS is the one the worker reads for itself when it
ends (VmHWM)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Step:
    figures: dict  # what the worker printed (its own timings)
    wall_seconds: float  # process start to exit: what a user waits
    peak_kib: int  # max RSS of the process


def run_step(*args: str) -> Step:
    """Run `python -m shared_matches.bench.worker ARGS` and read its figures and peak RSS."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "shared_matches.bench.worker", *args],
            stdout=out,
            stderr=err,
            text=True,
        )
        code = proc.wait()
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if code != 0:
        raise RuntimeError(f"benchmark step {args[0]} failed:\n{stderr[-4000:]}{stdout[-2000:]}")
    figures = json.loads(stdout.strip().splitlines()[-1])
    # the worker's own peak (ru_maxrss would include the parent's: see worker.peak_rss_kib)
    return Step(figures, wall, int(figures["self_peak_kib"]))


@dataclass(frozen=True)
class Repeated:
    """The same step run several times: the median by wall time, and every sample."""

    steps: list[Step]

    @property
    def median(self) -> Step:
        ordered = sorted(self.steps, key=lambda s: s.wall_seconds)
        return ordered[len(ordered) // 2]

    @property
    def seconds(self) -> float:
        return statistics.median(s.wall_seconds for s in self.steps)

    @property
    def samples(self) -> list[float]:
        return [s.wall_seconds for s in self.steps]

    @property
    def peak_kib(self) -> int:
        return max(s.peak_kib for s in self.steps)


def warm_page_cache(paths: list[Path]) -> None:
    """Read the files once so that the first measured step does not pay the cold reads alone."""
    for path in paths:
        if path.is_file():
            with path.open("rb") as handle:
                while handle.read(1 << 24):
                    pass

"""`python scripts/bench_migration.py` (`make bench`): the migration vs a one-pass SQL floor on
the same generated data, at the demo scale and at 10x; the no-op run; ten new matches merged
into each warehouse; peak memory; the disk after cleanup (also on a set with lower overlaps)
and one match's events through a compatibility view. Each step is its own process, timed from
start to exit. Prints the figures and whether the targets are met; --markdown writes them for
docs/benchmarks.md."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path

import duckdb

from shared_matches.bench.output import render_markdown, render_text
from shared_matches.bench.scenario import DiskResult, ScaleResult, run_disk_only, run_scale
from shared_matches.paths import SEED_ORDER, UserError

# a demo set whose friends share less with the reference player than the default one
LOW_OVERLAPS = {"Madina97294": 0.4, "JGtm": 0.25, "xxdameongamerxx": 0.5}


def parse_scales(text: str) -> list[float]:
    try:
        scales = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--scales wants numbers like 1,10 (got {text})") from None
    if not scales or any(s <= 0 for s in scales):
        raise argparse.ArgumentTypeError(f"--scales wants positive numbers (got {text})")
    return scales


def positive_int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"wants a whole number of at least 1 (got {text})")
    return number


# the warehouse target's memory_limit in profiles/profiles.yml
DBT_PROFILE_MEMORY_LIMIT = "600MB"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench_migration.py", description=__doc__)
    parser.add_argument("--scales", type=parse_scales, default=[1.0, 10.0], help="default 1,10")
    parser.add_argument(
        "--matches", type=int, default=1000, help="reference player's matches at scale 1"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--delta-player", default=SEED_ORDER[0])
    parser.add_argument("--delta-matches", type=positive_int, default=10)
    parser.add_argument(
        "--repeats",
        type=positive_int,
        default=3,
        help="runs of the floor, the full migration, the no-op and the delta run (median)",
    )
    parser.add_argument("--view-lookups", type=int, default=50, help="matches read by the view")
    parser.add_argument(
        "--steady-syncs", type=int, default=20, help="one-match syncs after the cleanup"
    )
    parser.add_argument(
        "--steady-landed",
        type=int,
        default=0,
        help="matches of the syncing player landed and merged (one untimed sync) before the "
        "one-match syncs: the landing of weeks of play (default 0)",
    )
    parser.add_argument(
        "--no-low-overlap", action="store_true", help="skip the disk figure of the second set"
    )
    parser.add_argument(
        "--floor-memory-limit",
        default=os.environ.get("HALO_DUCKDB_MEMORY_LIMIT", DBT_PROFILE_MEMORY_LIMIT),
        help="DuckDB memory_limit of the floor; default: the dbt profile's "
        f"(HALO_DUCKDB_MEMORY_LIMIT, else {DBT_PROFILE_MEMORY_LIMIT}), so both work under "
        "the same limit",
    )
    parser.add_argument(
        "--work-dir", type=Path, help="where the data sets go (default: a temporary dir)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work dir")
    parser.add_argument("--markdown", type=Path, help="also write the figures as Markdown")
    parser.add_argument("--json", type=Path, help="also write the raw figures as JSON")
    return parser


def machine_line() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} cores, load average {load}; python {platform.python_version()}"
        f", duckdb {duckdb.__version__}, dbt-core {version('dbt-core')}"
        f", dbt-duckdb {version('dbt-duckdb')}"
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="halo-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if any(work.iterdir()) and args.work_dir:
        print(f"error: the work dir {work} is not empty", file=sys.stderr)
        return 2
    results: list[ScaleResult] = []
    low_overlap: DiskResult | None = None
    started_on = machine_line()
    print(started_on, flush=True)

    def say(line: str) -> None:
        print(line, flush=True)

    try:
        for scale in args.scales:
            results.append(
                run_scale(
                    work,
                    scale,
                    matches=args.matches,
                    seed=args.seed,
                    repeats=args.repeats,
                    delta_player=args.delta_player,
                    delta_matches=args.delta_matches,
                    floor_memory_limit=args.floor_memory_limit,
                    view_lookups=args.view_lookups,
                    steady_syncs=args.steady_syncs,
                    say=say,
                    steady_landed=args.steady_landed,
                )
            )
            print(render_text(results[-1:]), flush=True)
        if not args.no_low_overlap:
            low_overlap = run_disk_only(
                work, matches=args.matches, seed=args.seed, overlaps=LOW_OVERLAPS, say=say
            )
        print(render_text(results, low_overlap), flush=True)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.keep or args.work_dir:
            print(f"work dir kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.markdown:
        ended_on = machine_line()
        args.markdown.write_text(
            f"- at start: {started_on}\n- at end: {ended_on}\n\n"
            + render_markdown(results, low_overlap)
        )
        print(f"Markdown written: {args.markdown}")
    if args.json:
        raw = {"scales": [asdict(r) for r in results], "low_overlap": low_overlap}
        args.json.write_text(json.dumps(raw, indent=1, default=lambda o: asdict(o)))
        print(f"JSON written: {args.json}")
    return 0

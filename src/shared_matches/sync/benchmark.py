"""Benchmark of the sync engine: the plan's four-player scenario, offline.

Four players (Chocoboflor, Madina97294, JGtm, xxdameongamerxx) have the same number of
matches; 95%, 75% and 100% of Madina97294's, JGtm's and xxdameongamerxx's matches are also
Chocoboflor's (the plan's overlaps), the rest are their own. The local fake API
(``pytests/fake_halo_api.py``) replays generated matches that follow the real shapes (the
recorded oddball match re-labelled). The four players sync one after the other from an empty
data directory, twice:

- ``ignore``: the same engine with the warehouse look-up disabled (every match fetched in
  full; no warehouse build, which would not change a single call);
- ``use``: the real sync: warehouse look-ups, and each player's incremental build after
  their sync, so the next player finds the matches already there.

Each run has its own asset-name cache, empty at the start and shared by the four players.
The report gives the calls by endpoint (counted by the server), the share saved, the film
calls spent on known matches (must be 0) and the bound ``1 - unique/copies`` that no
per-match saving can beat.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb

from shared_matches.paths import PROJECT_ROOT, SEED_ORDER, DataDir
from shared_matches.sync.api_client import HaloApi, Tokens
from shared_matches.sync.assets import AssetNameCache, cache_path
from shared_matches.sync.engine import SyncEngine, SyncOptions
from shared_matches.sync.summary import SyncSummary

OVERLAP_WITH_FIRST = {"Madina97294": 0.95, "JGtm": 0.75, "xxdameongamerxx": 1.0}
PLAN_PROMISE = 0.72
DEFAULT_MATCHES = 60
FULL_PLAN_MATCHES = 1000
MODES = ("ignore", "use")
ENDPOINT_ORDER = (
    "user",
    "match_history",
    "match_stats",
    "match_skill",
    "film_manifest",
    "film_chunk",
    "playlist",
    "map",
    "map_mode_pair",
    "game_variant",
)


@dataclass
class PlannedMatch:
    label: str
    start: datetime
    players: list[str]  # tracked gamertags


@dataclass
class Scenario:
    """Which tracked player has which match (the plan's overlaps)."""

    matches_per_player: int
    matches: dict[str, PlannedMatch] = field(default_factory=dict)
    histories: dict[str, list[str]] = field(default_factory=dict)

    @property
    def unique(self) -> int:
        return len(self.matches)

    @property
    def copies(self) -> int:
        return sum(len(h) for h in self.histories.values())

    @property
    def bound(self) -> float:
        """The best share of per-match calls a warehouse can save: 1 - unique / copies."""
        return 1 - self.unique / self.copies if self.copies else 0.0

    def overlap(self, gamertag: str, other: str) -> float:
        mine = set(self.histories[gamertag])
        return len(mine & set(self.histories[other])) / len(mine) if mine else 0.0


def plan_scenario(matches_per_player: int, seed: int = 7) -> Scenario:
    """The four players' histories: Chocoboflor's N matches, the others' overlaps with them."""
    rng = random.Random(seed)
    first, *others = SEED_ORDER
    scenario = Scenario(matches_per_player)
    start = datetime(2025, 1, 1, 18)
    first_labels = [f"{first}-{i:05d}" for i in range(matches_per_player)]
    for i, label in enumerate(first_labels):
        scenario.matches[label] = PlannedMatch(label, start + timedelta(hours=3 * i), [first])
    scenario.histories[first] = list(first_labels)
    for number, gamertag in enumerate(others, start=1):
        shared = round(OVERLAP_WITH_FIRST[gamertag] * matches_per_player)
        picked = sorted(rng.sample(range(matches_per_player), shared))
        history = [first_labels[i] for i in picked]
        for label in history:
            scenario.matches[label].players.append(gamertag)
        own_slots = rng.sample(range(matches_per_player), matches_per_player - shared)
        for j, slot in enumerate(own_slots):
            label = f"{gamertag}-{j:05d}"
            when = start + timedelta(hours=3 * slot, minutes=20 * number)
            scenario.matches[label] = PlannedMatch(label, when, [gamertag])
            history.append(label)
        scenario.histories[gamertag] = history
    return scenario


def load_fake_api() -> ModuleType:
    """The local fake Halo API of the test suite (pytests/fake_halo_api.py)."""
    if "fake_halo_api" in sys.modules:
        return sys.modules["fake_halo_api"]
    path = PROJECT_ROOT / "pytests" / "fake_halo_api.py"
    spec = importlib.util.spec_from_file_location("fake_halo_api", path)
    if spec is None or spec.loader is None or not path.is_file():
        raise FileNotFoundError(f"The fake Halo API is missing: {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["fake_halo_api"] = module
    spec.loader.exec_module(module)
    return module


def serve_scenario(fake_api: ModuleType, scenario: Scenario) -> Any:
    """A fake API replaying the scenario's generated matches."""
    fake = fake_api.FakeHaloApi()
    xuids = {g: fake_api.generated_xuid(g) for g in SEED_ORDER}
    ids = {label: fake_api.generated_id(f"bench/{label}") for label in scenario.matches}
    for number, (label, match) in enumerate(scenario.matches.items()):
        tracked = [(xuids[g], g) for g in match.players]
        players = fake_api.roster(tracked, f"bench/{label}")
        fake.add_generated_match(ids[label], match.start, players, variant=number)
    for gamertag, history in scenario.histories.items():
        fake.add_user(gamertag, xuids[gamertag])
        fake.set_history(xuids[gamertag], [ids[label] for label in history])
    return fake


@dataclass
class RunResult:
    mode: str
    calls: Counter[str]
    summaries: list[SyncSummary]
    seconds: float
    build_seconds: float
    checks: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def film_calls_for_known(self) -> int:
        return sum(s.film_calls_for_known for s in self.summaries)


async def run_mode(
    fake_api: ModuleType, scenario: Scenario, mode: str, root: Path, progress: bool
) -> RunResult:
    fake = serve_scenario(fake_api, scenario)
    data_dir = DataDir(root / mode)
    use = mode == "use"
    assets = AssetNameCache.load(cache_path(data_dir))
    summaries = []
    started = time.perf_counter()
    async with fake:
        tokens = Tokens(fake_api.TOKEN, fake_api.CLEARANCE, "benchmark")
        async with HaloApi.connect(
            tokens, api_base_url=fake.base_url, requests_per_second=10_000
        ) as api:
            for gamertag in SEED_ORDER:
                options = SyncOptions(
                    use_warehouse=use, build=use, progress=progress, asset_cache=assets
                )
                summary = await SyncEngine(data_dir, gamertag, api, options).run()
                summaries.append(summary)
                if progress:
                    print(f"  [{mode}] {_player_line(summary)}", file=sys.stderr)
            engine_calls = api.stats.snapshot()
    seconds = time.perf_counter() - started
    result = RunResult(
        mode,
        Counter(fake.requests),
        summaries,
        seconds,
        sum(s.build_seconds or 0.0 for s in summaries),
    )
    if engine_calls != result.calls:
        result.checks.append(f"MISMATCH: engine counted {dict(engine_calls)}")
    if use:
        result.checks += check_warehouse(data_dir, scenario, fake)
    return result


def check_warehouse(data_dir: DataDir, scenario: Scenario, fake: Any) -> list[str]:
    """After the real sync: every match once, every copy counted, no event duplicated."""
    con = duckdb.connect(str(data_dir.warehouse), read_only=True)
    try:
        matches, copies = con.execute(
            "select count(*), sum(player_count) from match_registry"
        ).fetchone()
        events = con.execute("select count(*) from highlight_events").fetchone()[0]
    finally:
        con.close()
    per_match = len(fake.oddball_template.events)
    lines = [
        f"registry: {matches} matches (unique planned: {scenario.unique}), player_count total "
        f"{copies} (copies planned: {scenario.copies})",
        f"events: {events} (= {matches} matches x {per_match} events: "
        f"{'yes' if events == matches * per_match else 'NO'})",
    ]
    if matches != scenario.unique or copies != scenario.copies:
        lines.append("MISMATCH between the warehouse and the scenario")
    return lines


def _player_line(summary: SyncSummary) -> str:
    return (
        f"{summary.gamertag}: {len(summary.new)} new, {len(summary.known)} known, "
        f"{summary.total_calls} calls"
        + (f", build {summary.build_seconds:.1f} s" if summary.build_seconds else "")
    )


def format_report(scenario: Scenario, results: dict[str, RunResult]) -> str:
    ignore, use = results["ignore"], results["use"]
    first = SEED_ORDER[0]
    overlaps = ", ".join(f"{g} {100 * scenario.overlap(g, first):.0f}%" for g in SEED_ORDER[1:])
    endpoints = [e for e in ENDPOINT_ORDER if ignore.calls[e] or use.calls[e]]
    endpoints += sorted((set(ignore.calls) | set(use.calls)) - set(endpoints))
    lines = [
        f"Sync benchmark: {len(SEED_ORDER)} players x {scenario.matches_per_player} matches, "
        f"synced one after the other from an empty warehouse",
        f"overlap with {first}: {overlaps}",
        f"copies {scenario.copies}, unique matches {scenario.unique}: per-match bound on the "
        f"saving = 1 - {scenario.unique}/{scenario.copies} = {100 * scenario.bound:.1f}%",
        "",
        f"{'endpoint':<16}{'ignore warehouse':>18}{'use warehouse':>15}{'saved':>8}",
    ]
    for endpoint in endpoints:
        a, b = ignore.calls[endpoint], use.calls[endpoint]
        saved = f"{100 * (a - b) / a:.0f}%" if a else "-"
        lines.append(f"{endpoint:<16}{a:>18}{b:>15}{saved:>8}")
    saved_share = (ignore.total - use.total) / ignore.total if ignore.total else 0.0
    lines += [
        f"{'total':<16}{ignore.total:>18}{use.total:>15}{100 * saved_share:>7.1f}%",
        "",
        f"calls saved: {ignore.total - use.total} of {ignore.total} = "
        f"{100 * saved_share:.1f}% (plan: {100 * PLAN_PROMISE:.0f}%; per-match bound "
        f"{100 * scenario.bound:.1f}%)",
        f"film calls for known matches: {use.film_calls_for_known} (must be 0)",
        f"known matches: {sum(len(s.known) for s in use.summaries)}, "
        f"API calls they cost: {sum(sum(s.calls_for_known.values()) for s in use.summaries)}",
        "",
        "per player (use warehouse): " + "; ".join(_player_line(s) for s in use.summaries),
        f"time: ignore {ignore.seconds:.1f} s; use {use.seconds:.1f} s "
        f"(of which warehouse builds {use.build_seconds:.1f} s). The fake API answers in "
        "milliseconds: times say nothing of the real API, the calls do.",
    ]
    for result in (ignore, use):
        lines += [f"check ({result.mode}): {line}" for line in result.checks]
    return "\n".join(lines)


async def run_benchmark(
    matches_per_player: int, root: Path, progress: bool = False, seed: int = 7
) -> tuple[Scenario, dict[str, RunResult]]:
    scenario = plan_scenario(matches_per_player, seed)
    fake_api = load_fake_api()
    results = {}
    for mode in MODES:
        results[mode] = await run_mode(fake_api, scenario, mode, root, progress)
    return scenario, results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench_sync",
        description="Calls made by syncing the plan's four players with and without the "
        "warehouse, against the local fake Halo API.",
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--matches-per-player",
        type=int,
        default=DEFAULT_MATCHES,
        help=f"matches in each player's history (default {DEFAULT_MATCHES})",
    )
    size.add_argument(
        "--full",
        action="store_true",
        help=f"the plan's size: {FULL_PLAN_MATCHES} matches per player (takes long)",
    )
    parser.add_argument("--work-dir", help="where to write the two data dirs (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the data dirs afterwards")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quiet", action="store_true", help="no per-player progress")
    args = parser.parse_args(argv)
    matches = FULL_PLAN_MATCHES if args.full else args.matches_per_player
    if matches < 1:
        parser.error("--matches-per-player must be at least 1")
    root = Path(args.work_dir) if args.work_dir else Path(tempfile.mkdtemp(prefix="bench-sync-"))
    for mode in MODES:
        if (root / mode).exists():
            shutil.rmtree(root / mode)
    try:
        scenario, results = asyncio.run(
            run_benchmark(matches, root, progress=not args.quiet, seed=args.seed)
        )
        print(format_report(scenario, results))
    finally:
        if not args.keep:
            for mode in MODES:
                shutil.rmtree(root / mode, ignore_errors=True)
            if not args.work_dir:
                shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"data dirs kept under {root}")
    ok = results["use"].film_calls_for_known == 0 and not any(
        "MISMATCH" in line for r in results.values() for line in r.checks
    )
    return 0 if ok else 1

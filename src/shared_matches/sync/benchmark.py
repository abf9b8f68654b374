"""Benchmark of the sync engine, offline, against the local fake Halo API
(``shared_matches.testing.fake_halo_api``), which replays generated matches that follow the
real shapes (the recorded oddball match re-labelled). Two scenarios:

- **the plan's four players** (Chocoboflor, Madina97294, JGtm, xxdameongamerxx) with the
  same number of matches; 95%, 75% and 100% of Madina97294's, JGtm's and xxdameongamerxx's
  matches are also Chocoboflor's (the plan's overlaps), the rest are their own. The four sync
  one after the other from an empty data directory, twice:

  - ``ignore``: the same engine with the warehouse look-up disabled (every match fetched in
    full; no warehouse build, which would not change a single call);
  - ``use``: the real sync: warehouse look-ups, and the phase-3 build after each player's
    sync, so the next player finds the matches already there.

- **the plan's backfill**: one player's history of N matches (100), 90% of which the group
  already has (another player synced them first, with the build); the player's first sync
  (a backfill of their whole history), ignoring the warehouse and using it. The plan: 300
  calls (3 a match) -> 30.

Each run has its own landing, empty at the start (an asset version is fetched once per
landing). The report gives the calls by endpoint (counted by the server), the share saved,
the film calls spent on known matches (must be 0) and the bound ``1 - unique/copies`` that
no per-match saving can beat.
"""

from __future__ import annotations

import argparse
import asyncio
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

from shared_matches.paths import SEED_ORDER, DataDir
from shared_matches.sync.engine import SyncEngine, SyncOptions
from shared_matches.sync.summary import FULL_MATCH_ENDPOINTS, SyncSummary

OVERLAP_WITH_FIRST = {"Madina97294": 0.95, "JGtm": 0.75, "xxdameongamerxx": 1.0}
PLAN_PROMISE = 0.72
DEFAULT_MATCHES = 60
FULL_PLAN_MATCHES = 1000
BACKFILL_MATCHES = 100
BACKFILL_KNOWN = 0.9
BACKFILL_PLAN = (300, 30)  # the plan's calls for the backfill: without, with the warehouse
BACKFILL_PLAYER = "Backfiller"
GROUP_MATE = "GroupMate"
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
    """The local fake Halo API (a test-support module of the package)."""
    from shared_matches.testing import fake_halo_api

    return fake_halo_api


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
    summaries = []
    started = time.perf_counter()
    async with fake_api.serving_client(fake) as api:
        for gamertag in SEED_ORDER:
            options = SyncOptions(use_warehouse=use, build=use, progress=progress)
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


@dataclass
class BackfillResult:
    """The backfilling player's first sync, ignoring the warehouse and using it."""

    matches: int
    known: int
    calls: dict[str, Counter[str]]
    summaries: dict[str, SyncSummary]
    seconds: dict[str, float]

    def total(self, mode: str) -> int:
        return sum(self.calls[mode].values())

    def per_match(self, mode: str) -> int:
        """The calls about matches (stats, skill, film manifest, film chunk)."""
        return sum(self.calls[mode][e] for e in FULL_MATCH_ENDPOINTS)

    @property
    def bound(self) -> float:
        """1 - unique/copies: of the player's copies, only the matches the group lacks
        need calls."""
        return 1 - (self.matches - self.known) / self.matches if self.matches else 0.0


def serve_backfill(fake_api: ModuleType, matches: int, known: int) -> tuple[Any, list[str]]:
    """The backfilling player's N matches (both players in every roster); the group mate's
    history holds the first ``known`` of them (the oldest)."""
    fake = fake_api.FakeHaloApi()
    xuids = {g: fake_api.generated_xuid(g) for g in (BACKFILL_PLAYER, GROUP_MATE)}
    start = datetime(2025, 4, 1, 18)
    ids = []
    for i in range(matches):
        label = f"backfill/{i:05d}"
        match_id = fake_api.generated_id(label)
        players = fake_api.roster([(x, g) for g, x in xuids.items()], label)
        fake.add_generated_match(match_id, start + timedelta(hours=3 * i), players, variant=i)
        ids.append(match_id)
    for gamertag, xuid in xuids.items():
        fake.add_user(gamertag, xuid)
    fake.set_history(xuids[BACKFILL_PLAYER], ids)
    fake.set_history(xuids[GROUP_MATE], ids[:known])
    return fake, ids


async def run_backfill(
    fake_api: ModuleType,
    root: Path,
    matches: int = BACKFILL_MATCHES,
    known_share: float = BACKFILL_KNOWN,
    progress: bool = False,
) -> BackfillResult:
    """``ignore``: the backfiller's sync with the warehouse look-up disabled, on an empty
    data dir. ``use``: the group mate syncs the known matches first (with the build), then
    the backfiller syncs; only the backfiller's calls are counted."""
    known = round(known_share * matches)
    result = BackfillResult(matches, known, {}, {}, {})
    for mode in MODES:
        fake, _ = serve_backfill(fake_api, matches, known)
        data_dir = DataDir(root / f"backfill-{mode}")
        use = mode == "use"
        async with fake_api.serving_client(fake) as api:
            if use:
                options = SyncOptions(progress=progress)
                await SyncEngine(data_dir, GROUP_MATE, api, options).run()
            before = Counter(fake.requests)
            started = time.perf_counter()
            options = SyncOptions(use_warehouse=use, build=use, progress=progress)
            summary = await SyncEngine(data_dir, BACKFILL_PLAYER, api, options).run()
            result.seconds[mode] = time.perf_counter() - started
            result.calls[mode] = Counter(fake.requests) - before
            result.summaries[mode] = summary
        if progress:
            print(f"  [backfill {mode}] {_player_line(summary)}", file=sys.stderr)
    return result


def format_backfill(result: BackfillResult) -> str:
    ignore, use = result.calls["ignore"], result.calls["use"]
    endpoints = [e for e in ENDPOINT_ORDER if ignore[e] or use[e]]
    plan_without, plan_with = BACKFILL_PLAN
    saved_match = 1 - result.per_match("use") / result.per_match("ignore")
    saved_total = 1 - result.total("use") / result.total("ignore")
    lines = [
        f"Backfill: one player's first sync of {result.matches} matches, {result.known} of "
        f"them ({100 * result.known / result.matches:.0f}%) known to the group (another "
        "player synced them first)",
        f"bound on the saving = 1 - unique/copies = 1 - {result.matches - result.known}/"
        f"{result.matches} = {100 * result.bound:.1f}%",
        "",
        f"{'endpoint':<16}{'ignore warehouse':>18}{'use warehouse':>15}{'saved':>8}",
    ]
    for endpoint in endpoints:
        a, b = ignore[endpoint], use[endpoint]
        saved = f"{100 * (a - b) / a:.0f}%" if a else "-"
        lines.append(f"{endpoint:<16}{a:>18}{b:>15}{saved:>8}")
    lines += [
        f"{'total':<16}{result.total('ignore'):>18}{result.total('use'):>15}"
        f"{100 * saved_total:>7.1f}%",
        "",
        f"calls about matches (stats, skill, film manifest + chunk): "
        f"{result.per_match('ignore')} -> {result.per_match('use')} "
        f"({100 * saved_match:.1f}% saved; plan: {plan_without} -> {plan_with} with 3 calls "
        "a match)",
        f"film calls for the {len(result.summaries['use'].known)} known matches: "
        f"{result.summaries['use'].film_calls_for_known} (must be 0)",
        f"time of the backfiller's sync: ignore {result.seconds['ignore']:.1f} s, use "
        f"{result.seconds['use']:.1f} s (use: landing, one build, rows written)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench_sync",
        description="Calls made by syncing the plan's four players, and by the plan's "
        "backfill, with and without the warehouse, against the local fake Halo API.",
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
    parser.add_argument(
        "--backfill-matches",
        type=int,
        default=BACKFILL_MATCHES,
        help=f"matches of the backfilling player (default {BACKFILL_MATCHES}; 0: skip it)",
    )
    parser.add_argument(
        "--backfill-known",
        type=float,
        default=BACKFILL_KNOWN,
        help=f"share of them the group already has (default {BACKFILL_KNOWN})",
    )
    parser.add_argument(
        "--backfill-only", action="store_true", help="run the backfill scenario only"
    )
    parser.add_argument("--work-dir", help="where to write the data dirs (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the data dirs afterwards")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quiet", action="store_true", help="no per-player progress")
    args = parser.parse_args(argv)
    matches = FULL_PLAN_MATCHES if args.full else args.matches_per_player
    if matches < 1:
        parser.error("--matches-per-player must be at least 1")
    if args.backfill_matches < 0 or not 0 <= args.backfill_known <= 1:
        parser.error("--backfill-matches must be >= 0 and --backfill-known within 0..1")
    root = Path(args.work_dir) if args.work_dir else Path(tempfile.mkdtemp(prefix="bench-sync-"))
    dirs = [*MODES, *(f"backfill-{m}" for m in MODES)]
    for name in dirs:
        if (root / name).exists():
            shutil.rmtree(root / name)
    ok = True
    try:
        if not args.backfill_only:
            scenario, results = asyncio.run(
                run_benchmark(matches, root, progress=not args.quiet, seed=args.seed)
            )
            print(format_report(scenario, results))
            ok = results["use"].film_calls_for_known == 0 and not any(
                "MISMATCH" in line for r in results.values() for line in r.checks
            )
        if args.backfill_matches:
            backfill = asyncio.run(
                run_backfill(
                    load_fake_api(),
                    root,
                    args.backfill_matches,
                    args.backfill_known,
                    progress=not args.quiet,
                )
            )
            print(("\n" if not args.backfill_only else "") + format_backfill(backfill))
            ok = ok and backfill.summaries["use"].film_calls_for_known == 0
    finally:
        if not args.keep:
            for name in dirs:
                shutil.rmtree(root / name, ignore_errors=True)
            if not args.work_dir:
                shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"data dirs kept under {root}")
    return 0 if ok else 1

"""One scale of the benchmark: the data set, the floor, the full migration, dbt's fixed cost,
the floor-vs-warehouse check and one player's incremental run after 1% new matches."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shared_matches.bench.compare import TableComparison, compare_outputs
from shared_matches.bench.measure import (
    FixedCost,
    StepResult,
    measure_fixed_cost,
    run_step,
    warm_page_cache,
)
from shared_matches.bench.profile import CallProfile, NodeTime, call_profiles, slowest_nodes
from shared_matches.demo_data import append_new_matches, generate_demo_data
from shared_matches.paths import DataDir, UserError
from shared_matches.player_db import match_ids, table_row_counts

MIB = 1024


@dataclass
class ScaleResult:
    scale: float
    matches: int
    players: list[str]
    player_rows: dict[str, int]
    player_db_bytes: int
    floor: StepResult  # the median run (by time) of the floor repeats
    floor_samples: list[float]
    migration: StepResult
    fixed: FixedCost
    comparison: list[TableComparison]
    incremental_player: str
    incremental_matches: int
    incremental: StepResult
    profiles: list[CallProfile] = field(default_factory=list)
    incremental_profiles: list[CallProfile] = field(default_factory=list)
    slowest: list[NodeTime] = field(default_factory=list)
    incremental_slowest: list[NodeTime] = field(default_factory=list)

    @property
    def dbt_calls(self) -> int:
        return len(self.migration.figures["calls"])

    @property
    def dbt_seconds(self) -> float:
        return sum(call["seconds"] for call in self.migration.figures["calls"])

    @property
    def migration_seconds(self) -> float:
        return self.migration.figures["seconds"]

    @property
    def floor_seconds(self) -> float:
        return self.floor.figures["seconds"]

    @property
    def ratio(self) -> float:
        return self.migration_seconds / self.floor_seconds

    @property
    def migration_without_fixed(self) -> float:
        return self.migration_seconds - self.fixed.per_call * self.dbt_calls

    @property
    def ratio_without_fixed(self) -> float:
        return self.migration_without_fixed / self.floor_seconds

    @property
    def migration_without_empty_builds(self) -> float:
        """The migration minus what its calls cost with no data: phase 1's calls whole (they
        create empty tables: no data at all), each player's build at the no-data build cost."""
        calls = self.migration.figures["calls"]
        player_calls = sum(1 for call in calls if call["player"])
        phase1 = sum(call["seconds"] for call in calls if not call["player"])
        return self.migration_seconds - phase1 - self.fixed.empty_build * player_calls

    @property
    def ratio_without_empty_builds(self) -> float:
        return self.migration_without_empty_builds / self.floor_seconds

    @property
    def incremental_share_without_empty_build(self) -> float:
        return self.incremental_share_without(self.fixed.empty_build)

    @property
    def first_run_seconds(self) -> float:
        runs = self.migration.figures["runs"]
        return next(r["seconds"] for r in runs if r["gamertag"] == self.incremental_player)

    @property
    def incremental_seconds(self) -> float:
        return self.incremental.figures["seconds"]

    @property
    def incremental_share(self) -> float:
        return self.incremental_seconds / self.first_run_seconds

    @property
    def incremental_share_without_fixed(self) -> float:
        return self.incremental_share_without(self.fixed.per_call)

    def incremental_share_without(self, cost: float) -> float:
        """The incremental run's share of the first run, `cost` taken out of both."""
        return (self.incremental_seconds - cost) / (self.first_run_seconds - cost)

    @property
    def dbt_peak_kib(self) -> int:
        return max(self.migration.figures["dbt_peak_kib"], self.incremental.figures["dbt_peak_kib"])

    @property
    def floor_peak_kib(self) -> int:
        return self.floor.peak_kib


def count_player_rows(data_dir: DataDir, players: list[str]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for gamertag in players:
        for table, rows in table_row_counts(data_dir.player_db(gamertag)).items():
            totals[table] = totals.get(table, 0) + rows
    return totals


def run_scale(
    work: Path,
    scale: float,
    matches: int,
    seed: int,
    incremental_player: str,
    incremental_fraction: float,
    fixed_repeats: int,
    floor_repeats: int,
    say: Callable[[str], None],
    floor_memory_limit: str | None = None,
) -> ScaleResult:
    data_dir = DataDir(work / f"scale-{scale:g}")
    say(f"[scale {scale:g}] generating the demo data set ({matches} x {scale:g} matches)")
    generate_demo_data(data_dir, matches=matches, scale=scale, seed=seed, progress=False)
    players = data_dir.discover_players()
    if incremental_player not in players:
        raise UserError(f"--incremental-player {incremental_player} is not one of {players}")
    player_files = [data_dir.player_db(g) for g in players]
    rows = count_player_rows(data_dir, players)

    warm_page_cache(player_files)
    say(f"[scale {scale:g}] floor: floor.sql over {len(players)} player DBs x {floor_repeats}")
    floor_file = data_dir.root / "floor" / "floor.duckdb"
    floor_file.parent.mkdir(parents=True, exist_ok=True)
    limit = [floor_memory_limit] if floor_memory_limit else []
    floors = sorted(
        (
            run_step("floor", str(data_dir.root), str(floor_file), *limit)
            for _ in range(floor_repeats)
        ),
        key=lambda step: step.figures["seconds"],
    )
    floor = floors[len(floors) // 2]

    warm_page_cache(player_files)
    say(f"[scale {scale:g}] full migration: migrate_players ({len(players)} players)")
    migration = run_step("migrate", str(data_dir.root), str(work / f"calls-{scale:g}" / "full"))

    say(f"[scale {scale:g}] dbt fixed cost per call ({fixed_repeats} samples)")
    fixed = measure_fixed_cost(data_dir, players, fixed_repeats)
    comparison = compare_outputs(data_dir.warehouse, floor_file)

    player_matches = rows_of(data_dir, incremental_player)
    new = max(1, math.ceil(player_matches * incremental_fraction))
    say(f"[scale {scale:g}] incremental: {new} new matches for {incremental_player}")
    append_new_matches(data_dir, incremental_player, new, seed + 1)
    warm_page_cache([data_dir.player_db(incremental_player)])
    incremental = run_step(
        "migrate",
        str(data_dir.root),
        str(work / f"calls-{scale:g}" / "incremental"),
        incremental_player,
    )
    return ScaleResult(
        scale=scale,
        matches=rows.get("match_stats", 0),
        players=players,
        player_rows=rows,
        player_db_bytes=sum(p.stat().st_size for p in player_files),
        floor=floor,
        floor_samples=[step.figures["seconds"] for step in floors],
        migration=migration,
        fixed=fixed,
        comparison=comparison,
        incremental_player=incremental_player,
        incremental_matches=new,
        incremental=incremental,
        profiles=call_profiles(migration.figures["calls"]),
        incremental_profiles=call_profiles(incremental.figures["calls"]),
        slowest=slowest_nodes(migration.figures["calls"]),
        incremental_slowest=slowest_nodes(incremental.figures["calls"]),
    )


def rows_of(data_dir: DataDir, gamertag: str) -> int:
    return len(match_ids(data_dir.player_db(gamertag)))

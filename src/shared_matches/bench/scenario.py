"""One scale of the benchmark: the data set, the floor, the full migration, dbt's fixed cost,
the floor-vs-warehouse check and one player's incremental run after 1% new matches."""

from __future__ import annotations

import math
import shutil
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shared_matches.bench.compare import TableComparison, compare_outputs
from shared_matches.bench.measure import (
    NOTHING_SELECTED,
    FixedCost,
    StepResult,
    create_empty_players,
    measure_fixed_cost,
    run_step,
    warm_page_cache,
)
from shared_matches.bench.profile import CallProfile, NodeTime, call_profiles, slowest_nodes
from shared_matches.dbt_runner import run_dbt
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
    migration: StepResult  # the median run (by time) of the full-migration repeats
    migration_samples: list[float]
    # the same migration (same players, calls and nodes) of player DBs holding no match,
    # run in turn with the full migrations: the median run
    no_data: StepResult
    no_data_samples: list[float]
    fixed: FixedCost
    comparison: list[TableComparison]
    incremental_player: str
    incremental_matches: int
    incremental: StepResult  # the median run (by time) of the incremental repeats
    incremental_samples: list[float]
    # the incremental player's run in each full migration, and in each one with no data
    first_run_samples: list[float]
    no_data_player_samples: list[float]
    # max RSS over every run (not the median ones): of the dbt processes of the full and
    # incremental migrations, and of the floor's process
    dbt_peak_kib: int
    floor_peak_kib: int
    profiles: list[CallProfile] = field(default_factory=list)
    incremental_profiles: list[CallProfile] = field(default_factory=list)
    no_data_profiles: list[CallProfile] = field(default_factory=list)
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
    def no_data_seconds(self) -> float:
        return self.no_data.figures["seconds"]

    @property
    def migration_without_no_data(self) -> float:
        """The data work: the migration minus the same migration with no data."""
        return self.migration_seconds - self.no_data_seconds

    @property
    def ratio_without_no_data(self) -> float:
        return self.migration_without_no_data / self.floor_seconds

    @property
    def no_data_ratio_without_fixed(self) -> float:
        """The migration with no data, after start-up only, over the floor: what the
        start-up-only reading leaves before a single row moves."""
        return (self.no_data_seconds - self.fixed.per_call * self.dbt_calls) / self.floor_seconds

    @property
    def no_data_player_seconds(self) -> float:
        """The incremental player's run in the migration with no data (median)."""
        return statistics.median(self.no_data_player_samples)

    @property
    def incremental_share_without_no_data(self) -> float:
        return self.incremental_share_without(self.no_data_player_seconds)

    @property
    def first_run_seconds(self) -> float:
        """The incremental player's run in the full migration (median)."""
        return statistics.median(self.first_run_samples)

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
    migration_repeats: int = 1,
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
    floors = [
        run_step("floor", str(data_dir.root), str(floor_file), *limit) for _ in range(floor_repeats)
    ]
    floor = median_step(floors)

    empty_dir = DataDir(work / f"scale-{scale:g}-no-data")
    create_empty_players(empty_dir, players)
    say(
        f"[scale {scale:g}] full migration: migrate_players ({len(players)} players), and the "
        f"same with no data, in turn x {migration_repeats}"
    )
    migrations, no_data_runs = [], []
    for number in range(1, migration_repeats + 1):
        calls = work / f"calls-{scale:g}"
        if number > 1:
            forget_migration(data_dir)
        warm_page_cache(player_files)
        migrations.append(run_step("migrate", str(data_dir.root), str(calls / f"full-{number}")))
        forget_migration(empty_dir)
        no_data_runs.append(
            run_step("migrate", str(empty_dir.root), str(calls / f"no-data-{number}"))
        )
    # the warehouse stays the last run's: every run computes the same tables
    migration = median_step(migrations)
    no_data = median_step(no_data_runs)

    say(f"[scale {scale:g}] dbt fixed cost per call ({fixed_repeats} samples)")
    fixed = measure_fixed_cost(data_dir, players, fixed_repeats)
    comparison = compare_outputs(data_dir.warehouse, floor_file)

    player_matches = rows_of(data_dir, incremental_player)
    new = max(1, math.ceil(player_matches * incremental_fraction))
    say(
        f"[scale {scale:g}] incremental: {new} new matches for {incremental_player}, "
        f"x {migration_repeats} from the same warehouse"
    )
    append_new_matches(data_dir, incremental_player, new, seed + 1)
    other_player = next((g for g in players if g != incremental_player), incremental_player)
    before = work / f"warehouse-before-incremental-{scale:g}"
    shutil.copytree(data_dir.warehouse.parent, before)
    incrementals = []
    for number in range(1, migration_repeats + 1):
        if number > 1:  # the same run again, from the same warehouse
            shutil.rmtree(data_dir.warehouse.parent)
            shutil.copytree(before, data_dir.warehouse.parent)
        # as in a migration, the call before was for another player: dbt re-parses the two
        # files that read the player, as it did for the first run
        run_dbt(NOTHING_SELECTED, data_dir, player=other_player)
        warm_page_cache([data_dir.player_db(incremental_player), data_dir.warehouse])
        calls_dir = work / f"calls-{scale:g}" / f"incremental-{number}"
        incrementals.append(
            run_step("migrate", str(data_dir.root), str(calls_dir), incremental_player)
        )
    shutil.rmtree(before)
    incremental = median_step(incrementals)
    return ScaleResult(
        scale=scale,
        matches=rows.get("match_stats", 0),
        players=players,
        player_rows=rows,
        player_db_bytes=sum(p.stat().st_size for p in player_files),
        floor=floor,
        floor_samples=[step.figures["seconds"] for step in floors],
        migration=migration,
        migration_samples=[step.figures["seconds"] for step in migrations],
        no_data=no_data,
        no_data_samples=[step.figures["seconds"] for step in no_data_runs],
        fixed=fixed,
        comparison=comparison,
        incremental_player=incremental_player,
        incremental_matches=new,
        incremental=incremental,
        incremental_samples=[step.figures["seconds"] for step in incrementals],
        first_run_samples=[player_seconds(step, incremental_player) for step in migrations],
        no_data_player_samples=[player_seconds(step, incremental_player) for step in no_data_runs],
        dbt_peak_kib=max(step.figures["dbt_peak_kib"] for step in migrations + incrementals),
        floor_peak_kib=max(step.peak_kib for step in floors),
        profiles=call_profiles(migration.figures["calls"]),
        incremental_profiles=call_profiles(incremental.figures["calls"]),
        no_data_profiles=call_profiles(no_data.figures["calls"]),
        slowest=slowest_nodes(migration.figures["calls"]),
        incremental_slowest=slowest_nodes(incremental.figures["calls"]),
    )


def player_seconds(migration: StepResult, gamertag: str) -> float:
    """One player's run in a migration step."""
    return next(r["seconds"] for r in migration.figures["runs"] if r["gamertag"] == gamertag)


def median_step(steps: list[StepResult]) -> StepResult:
    """The median run by time (the upper one of an even number)."""
    return sorted(steps, key=lambda step: step.figures["seconds"])[len(steps) // 2]


def forget_migration(data_dir: DataDir) -> None:
    """Back to before the first migration: no warehouse and no dbt state (so that the next run
    parses the project from scratch, as a first migration does)."""
    shutil.rmtree(data_dir.warehouse.parent, ignore_errors=True)
    shutil.rmtree(data_dir.root / ".dbt", ignore_errors=True)


def rows_of(data_dir: DataDir, gamertag: str) -> int:
    return len(match_ids(data_dir.player_db(gamertag)))

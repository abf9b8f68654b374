"""One scale of the benchmark: the data set, the floor, the full migration, the no-op run, ten
new matches merged, the floor-vs-warehouse check, then the cleanup: disk before and after and
one match's events through a compatibility view."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shared_matches.bench.compare import TableComparison, compare_outputs
from shared_matches.bench.measure import Repeated, Step, run_step, warm_page_cache
from shared_matches.bench.steady_sync import SteadyResult, run_steady
from shared_matches.cleanup.sizes import size_report
from shared_matches.demo.generate import append_new_matches, generate_demo_data
from shared_matches.paths import DataDir, UserError
from shared_matches.player_db import match_ids, table_row_counts


@dataclass
class DiskResult:
    """Every v4 DB before cleanup against the warehouse, the read layer and the cleaned DBs
    after."""

    before_bytes: int
    warehouse_bytes: int
    cleaned_bytes: int
    match_copies: int
    unique_matches: int
    read_layer_bytes: int = 0

    @property
    def after_bytes(self) -> int:
        return self.warehouse_bytes + self.read_layer_bytes + self.cleaned_bytes

    @property
    def change(self) -> float:
        return self.after_bytes / self.before_bytes - 1

    @property
    def ideal_change(self) -> float:
        """What perfect deduplication of the match data would give: 1 - unique/copies."""
        return -(1 - self.unique_matches / self.match_copies)


@dataclass
class ScaleResult:
    scale: float
    players: list[str]
    player_rows: dict[str, int]
    player_db_bytes: int
    floor: Repeated
    migration: Repeated
    no_op: Repeated
    delta_player: str
    delta_matches: int
    delta: Repeated
    comparison: list[TableComparison]
    warehouse_bytes: int
    disk: DiskResult | None = None
    view: Step | None = None
    steady: SteadyResult | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.migration.seconds / self.floor.seconds

    @property
    def match_copies(self) -> int:
        return self.player_rows.get("match_stats", 0)


def count_player_rows(data_dir: DataDir, players: list[str]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for gamertag in players:
        for table, rows in table_row_counts(data_dir.player_db(gamertag)).items():
            totals[table] = totals.get(table, 0) + rows
    return totals


def forget_migration(data_dir: DataDir) -> None:
    """Back to before the first migration: no warehouse, no dbt state of the data dir."""
    shutil.rmtree(data_dir.warehouse_dir, ignore_errors=True)
    shutil.rmtree(data_dir.root / ".dbt", ignore_errors=True)


def unique_matches(data_dir: DataDir, players: list[str]) -> int:
    found: set[str] = set()
    for gamertag in players:
        found |= match_ids(data_dir.player_db(gamertag))
    return len(found)


def measure_disk(data_dir: DataDir, players: list[str], say: Callable[[str], None]) -> DiskResult:
    """Clean every player DB up (the command itself) and compare the sizes."""
    copies = sum(len(match_ids(data_dir.player_db(g))) for g in players)
    unique = unique_matches(data_dir, players)
    say("  cleanup --all (backup, views, rewrite) for the disk figures")
    run_step("cleanup", str(data_dir.root))
    report = size_report(data_dir)
    cleaned = sum(p.after_bytes for p in report.players)
    return DiskResult(
        report.total_before,
        report.warehouse_bytes,
        cleaned,
        copies,
        unique,
        read_layer_bytes=report.read_layer_bytes,
    )


def run_scale(
    work: Path,
    scale: float,
    *,
    matches: int,
    seed: int,
    repeats: int,
    delta_player: str,
    delta_matches: int,
    floor_memory_limit: str | None,
    view_lookups: int,
    steady_syncs: int,
    say: Callable[[str], None],
    steady_landed: int = 0,
    overlaps: dict[str, float] | None = None,
    label: str = "",
) -> ScaleResult:
    name = f"scale-{scale:g}{label}"
    data_dir = DataDir(work / name)
    say(f"[{name}] generating the demo data set ({matches} x {scale:g} matches)")
    generate_demo_data(
        data_dir, matches=matches, scale=scale, seed=seed, progress=False, overlaps=overlaps
    )
    players = data_dir.discover_players()
    if delta_player not in players:
        raise UserError(f"--delta-player {delta_player} is not one of {players}")
    files = [data_dir.player_db(g) for g in players]
    rows = count_player_rows(data_dir, players)
    player_db_bytes = sum(p.stat().st_size for p in files)

    floor_file = work / f"{name}-floor.duckdb"
    limit = [floor_memory_limit] if floor_memory_limit else []
    floor_steps, migration_steps = [], []
    say(f"[{name}] floor and full migration, in turn, x {repeats}")
    for _ in range(repeats):
        warm_page_cache(files)
        floor_steps.append(run_step("floor", str(data_dir.root), str(floor_file), *limit))
        forget_migration(data_dir)
        warm_page_cache(files)
        migration_steps.append(run_step("migrate", str(data_dir.root)))
    comparison = compare_outputs(data_dir.warehouse, floor_file)
    floor_file.unlink(missing_ok=True)
    warehouse_bytes = data_dir.warehouse.stat().st_size

    say(f"[{name}] no-op migration (nothing new) x {repeats}")
    no_op = Repeated([run_step("migrate", str(data_dir.root)) for _ in range(repeats)])

    say(f"[{name}] {delta_matches} new matches for {delta_player}, merged x {repeats}")
    append_new_matches(data_dir, delta_player, delta_matches, seed + 1)
    before = work / f"{name}-warehouse-before-delta"
    shutil.copytree(data_dir.warehouse_dir, before)
    delta_steps = []
    for number in range(repeats):
        if number:  # the same run again, from the same warehouse
            shutil.rmtree(data_dir.warehouse_dir)
            shutil.copytree(before, data_dir.warehouse_dir)
        warm_page_cache([data_dir.player_db(delta_player), data_dir.warehouse])
        delta_steps.append(run_step("migrate", str(data_dir.root)))
    shutil.rmtree(before)

    result = ScaleResult(
        scale=scale,
        players=players,
        player_rows=rows,
        player_db_bytes=player_db_bytes,
        floor=Repeated(floor_steps),
        migration=Repeated(migration_steps),
        no_op=no_op,
        delta_player=delta_player,
        delta_matches=delta_matches,
        delta=Repeated(delta_steps),
        comparison=comparison,
        warehouse_bytes=warehouse_bytes,
    )
    result.disk = measure_disk(data_dir, players, say)
    if steady_syncs:
        say(f"[{name}] {steady_syncs} one-match syncs of a new player, after the cleanup")
        result.steady = run_steady(data_dir, work, steady_syncs, steady_landed)
    if view_lookups:
        # after the syncs: the read layer as an evening of syncing leaves it, with the
        # superseded files that wait out their grace period (a reader lists them too)
        say(f"[{name}] one match's events through the view, {view_lookups} matches")
        result.view = run_step("view", str(data_dir.root), delta_player, str(view_lookups))
    shutil.rmtree(data_dir.root, ignore_errors=True)
    return result


def run_disk_only(
    work: Path,
    *,
    matches: int,
    seed: int,
    overlaps: dict[str, float],
    say: Callable[[str], None],
) -> DiskResult:
    """A demo set with other overlaps: migrate, clean everything up, compare the sizes."""
    data_dir = DataDir(work / ("overlaps-" + "-".join(f"{v:g}" for v in overlaps.values())))
    described = ", ".join(f"{name} {share:.0%}" for name, share in overlaps.items())
    say(f"[disk] demo set with overlaps {described}: migrate, cleanup --all")
    generate_demo_data(data_dir, matches=matches, seed=seed, progress=False, overlaps=overlaps)
    players = data_dir.discover_players()
    run_step("migrate", str(data_dir.root))
    disk = measure_disk(data_dir, players, say)
    shutil.rmtree(data_dir.root, ignore_errors=True)
    return disk

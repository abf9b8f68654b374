"""The steady state: one player who plays one match between syncs, 20 times, on top of a
migrated warehouse, against the local fake Halo API. Per sync: the time after the API calls
end until the warehouse and the player DB are updated (the phase-3 build and the player's
rows), and the warehouse file's size; at the end, the same warehouse compacted (rewritten
without free blocks) for comparison."""

from __future__ import annotations

import asyncio
import shutil
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from shared_matches.compaction import compact_file
from shared_matches.duckdb_files import file_size
from shared_matches.paths import DataDir
from shared_matches.sync.engine import SyncEngine, SyncOptions
from shared_matches.testing import fake_halo_api

PLAYER = "SteadyPlayer"
TEAMMATE = "SteadyTeammate"


@dataclass
class SteadyResult:
    syncs: int
    merge_seconds: list[float] = field(default_factory=list)  # after the API, per sync
    build_seconds: list[float] = field(default_factory=list)  # of which the phase-3 build
    publish_seconds: list[float] = field(default_factory=list)  # of which the read layer
    sync_seconds: list[float] = field(default_factory=list)  # the whole sync, per sync
    warehouse_bytes: list[int] = field(default_factory=list)  # after each sync
    start_bytes: int = 0
    compacted_bytes: int = 0
    landed_before: int = 0  # matches landed (one untimed sync) before the timed syncs

    @property
    def median_merge(self) -> float:
        return statistics.median(self.merge_seconds)

    @property
    def growth_vs_compacted(self) -> float:
        return self.warehouse_bytes[-1] / self.compacted_bytes


async def _sync_rounds(
    data_dir: DataDir, syncs: int, result: SteadyResult, landed_before: int
) -> None:
    fake = fake_halo_api.FakeHaloApi()
    xuids = {g: fake_halo_api.generated_xuid(g) for g in (PLAYER, TEAMMATE)}
    for gamertag, xuid in xuids.items():
        fake.add_user(gamertag, xuid)
    start = datetime(2026, 6, 1, 18)
    history: list[str] = []

    def add_match(label: str, when: datetime, variant: int) -> None:
        match_id = fake_halo_api.generated_id(label)
        players = fake_halo_api.roster([(x, g) for g, x in xuids.items()], label)
        fake.add_generated_match(match_id, when, players, variant=variant)
        history.insert(0, match_id)  # newest first, as the API lists them
        fake.set_history(xuids[PLAYER], list(history))

    async with fake_halo_api.serving_client(fake) as api:
        if landed_before:
            # weeks of play: the matches land in one untimed sync, older than the rest
            for number in range(landed_before):
                when = start - timedelta(hours=landed_before - number)
                add_match(f"steady/earlier/{number:05d}", when, number)
            await SyncEngine(data_dir, PLAYER, api, SyncOptions(progress=False)).run()
        if data_dir.warehouse.is_file():
            result.start_bytes = file_size(data_dir.warehouse)
        for number in range(syncs):
            add_match(f"steady/{number:03d}", start + timedelta(hours=number), number)
            started = asyncio.get_running_loop().time()
            options = SyncOptions(progress=False)
            summary = await SyncEngine(data_dir, PLAYER, api, options).run()
            result.sync_seconds.append(asyncio.get_running_loop().time() - started)
            result.merge_seconds.append(summary.merge_seconds or 0.0)
            result.build_seconds.append(summary.build_seconds or 0.0)
            result.publish_seconds.append(summary.publish_seconds or 0.0)
            result.warehouse_bytes.append(file_size(data_dir.warehouse))


def run_steady(
    data_dir: DataDir, work: Path, syncs: int = 20, landed_before: int = 0
) -> SteadyResult:
    """``syncs`` one-match syncs into ``data_dir`` (its warehouse may hold a migration), after
    ``landed_before`` matches of the same player landed and merged by one untimed sync."""
    result = SteadyResult(syncs, landed_before=landed_before)
    asyncio.run(_sync_rounds(data_dir, syncs, result, landed_before))
    copy = work / "steady-compacted" / data_dir.warehouse.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(data_dir.warehouse, copy)
    result.compacted_bytes = compact_file(copy).after_bytes
    shutil.rmtree(copy.parent)
    return result

"""The sync engine: bring one player's DB (and then the warehouse) up to date from the API.

1. Page the player's match history, newest first, until the player's own newest synced
   match (never stopping at a match the warehouse knows through another player).
2. Ask the warehouse (read-only) which of these matches it holds with roster and events.
3. Oldest first, one transaction per match: a known match is filled from the warehouse with
   no API call; a new one costs match stats, skill (all participants, one request) and the
   film's highlight events (manifest + chunk), plus asset names not yet cached.
4. Run the player's incremental warehouse build.

Processing oldest first means an interrupted sync leaves a consistent prefix: the next sync
stops at the newest match written and picks up the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from shared_matches.paths import DataDir, UserError
from shared_matches.sync.api_client import FilmUnavailable, HaloApi, NotFound
from shared_matches.sync.assets import AssetNameCache, cache_path
from shared_matches.sync.parsing import MatchDataError, timestamp, utc_now, xuid_of
from shared_matches.sync.player_store import PlayerStore
from shared_matches.sync.summary import SyncSummary
from shared_matches.sync.transform import (
    FilmEvent,
    MatchRows,
    asset_refs,
    build_match_rows,
    human_players,
    validate_match_stats,
)
from shared_matches.sync.warehouse_build import build_player
from shared_matches.sync.warehouse_lookup import KnownMatch, WarehouseReader
from shared_matches.sync.warehouse_rows import rows_from_warehouse, with_personal_stats

HISTORY_PAGE_SIZE = 25


@dataclass
class SyncOptions:
    max_matches: int | None = None
    full: bool = False
    use_warehouse: bool = True
    personal_stats: bool = False
    build: bool = True
    progress: bool = True
    xuid: str | None = None
    batch_size: int = 50
    asset_cache: AssetNameCache | None = None


class SyncEngine:
    def __init__(
        self, data_dir: DataDir, gamertag: str, api: HaloApi, options: SyncOptions | None = None
    ) -> None:
        self.data_dir = data_dir
        self.gamertag = gamertag
        self.api = api
        self.options = options or SyncOptions()
        self.summary = SyncSummary(gamertag)
        self.assets = self.options.asset_cache or AssetNameCache.load(cache_path(data_dir))
        self.warehouse = WarehouseReader(data_dir)

    async def run(self) -> SyncSummary:
        calls_before = self.api.stats.snapshot()
        retries_before = Counter(self.api.stats.retries)
        waited_before = self.api.stats.waited_seconds
        path = self.data_dir.player_db(self.gamertag)
        created = not path.exists()
        store = PlayerStore.open(path)
        failure: BaseException | None = None
        finished = False
        try:
            xuid = await self._owner_xuid(store)
            self.summary.xuid = xuid
            store.claim_owner(xuid, self.gamertag)
            candidates = await self._collect_candidates(store, xuid)
            try:
                await self._process(store, xuid, candidates)
            except (UserError, asyncio.CancelledError, KeyboardInterrupt) as exc:
                failure = exc
                self.summary.error = str(exc) or type(exc).__name__
            finished = True
        finally:
            store.close()
            failed = failure is not None or not finished
            if created and failed and not (self.summary.new or self.summary.known):
                _remove_db(path)  # a first sync that failed early leaves no empty player DB
            self.assets.save()
            self.summary.calls = self.api.stats.snapshot() - calls_before
            self.summary.retries = Counter(self.api.stats.retries) - retries_before
            self.summary.waited_seconds = self.api.stats.waited_seconds - waited_before
        written = self.summary.new or self.summary.known
        if self.options.build and written:
            self.summary.build_seconds = build_player(self.data_dir, self.gamertag)
        if failure is not None:
            raise failure
        return self.summary

    # -- who and what ---------------------------------------------------------------------
    async def _owner_xuid(self, store: PlayerStore) -> str:
        known = store.owner_xuid()
        wanted = self.options.xuid
        if wanted:
            wanted = xuid_of(wanted) or ""
            if not wanted:
                raise UserError(f"--xuid must be 16 digits, got {self.options.xuid!r}.")
            return wanted
        if known:
            return known
        user = await self.api.user_by_gamertag(self.gamertag)
        xuid = xuid_of(user.get("xuid"))
        if not xuid:
            raise UserError(f"The Halo API gave no xuid for gamertag {self.gamertag!r}.")
        return xuid

    async def _collect_candidates(self, store: PlayerStore, xuid: str) -> list[dict[str, Any]]:
        """History rows to sync, oldest first."""
        newest = None if self.options.full else store.newest_match()
        newest_id, newest_start = newest if newest else (None, None)
        have = store.existing_matches()
        limit = self.options.max_matches
        picked: dict[str, dict[str, Any]] = {}
        start = 0
        while True:
            page = await self.api.match_history(xuid, start, HISTORY_PAGE_SIZE)
            rows = page.get("Results") or []
            for row in rows:
                self.summary.history_rows += 1
                match_id = str(row.get("MatchId") or "").lower()
                if not match_id:
                    self.summary.skipped.append(("?", "history row without MatchId"))
                    continue
                started = timestamp((row.get("MatchInfo") or {}).get("StartTime"))
                if newest_id is not None and (
                    match_id == newest_id or (newest_start and started and started < newest_start)
                ):
                    self.summary.stopped_at = match_id
                    return _oldest_first(picked)
                if match_id in have or match_id in picked:
                    continue
                picked[match_id] = row
                if limit is not None and len(picked) >= limit:
                    return _oldest_first(picked)
            if len(rows) < HISTORY_PAGE_SIZE:
                return _oldest_first(picked)
            start += len(rows)

    # -- per match ------------------------------------------------------------------------
    async def _process(
        self, store: PlayerStore, xuid: str, candidates: list[dict[str, Any]]
    ) -> None:
        ids = [str(r["MatchId"]).lower() for r in candidates]
        loaded = self.warehouse.loaded_matches(ids) if self.options.use_warehouse else set()
        bar = tqdm(
            total=len(candidates),
            desc=f"sync {self.gamertag}",
            unit="match",
            disable=not self.options.progress,
            leave=False,
        )
        try:
            for batch in _batches(candidates, self.options.batch_size):
                batch_ids = [str(r["MatchId"]).lower() for r in batch]
                known = self.warehouse.load([i for i in batch_ids if i in loaded])
                for row, match_id in zip(batch, batch_ids, strict=True):
                    match = known.get(match_id)
                    if match is not None and match.participant(xuid) is not None:
                        await self._sync_known(store, xuid, row, match)
                    else:
                        await self._sync_new(store, xuid, row, match_id)
                    bar.update(1)
                    bar.set_postfix(new=len(self.summary.new), known=len(self.summary.known))
        finally:
            bar.close()

    async def _sync_known(
        self, store: PlayerStore, xuid: str, history_row: Mapping[str, Any], known: KnownMatch
    ) -> None:
        before = self.api.stats.snapshot()
        now = utc_now()
        rows = rows_from_warehouse(known, history_row, xuid, self.gamertag, now)
        if self.options.personal_stats:
            try:
                stats = await self.api.match_stats(known.match_id)
                names = {  # the registry has the names: no asset look-up
                    kind: rows.match_stats.get(f"{kind}_name")
                    for kind in ("playlist", "map", "pair", "game_variant")
                }
                fresh = build_match_rows(
                    stats, xuid, self.gamertag, asset_names=names, now=now, history_row=history_row
                )
                rows = with_personal_stats(fresh, rows)
            except (NotFound, MatchDataError) as exc:
                self.summary.notes.append(f"{known.match_id}: personal stats unavailable: {exc}")
        self._write(store, rows)
        self.summary.known.append(known.match_id)
        self.summary.calls_for_known.update(self.api.stats.snapshot() - before)

    async def _sync_new(
        self, store: PlayerStore, xuid: str, history_row: Mapping[str, Any], match_id: str
    ) -> None:
        try:
            stats = await self.api.match_stats(match_id)
            validate_match_stats(stats, xuid)
        except NotFound:
            self.summary.skipped.append((match_id, "match stats not found (404)"))
            return
        except MatchDataError as exc:
            self.summary.skipped.append((match_id, str(exc)))
            return
        roster = [x for x, _ in human_players(stats)]
        skill_task = asyncio.create_task(self.api.match_skill(match_id, roster))
        film_task = asyncio.create_task(self._film_events(match_id))
        names = await self._asset_names(stats)
        skill: dict[str, Any] | None
        try:
            skill = await skill_task
        except NotFound:
            skill = None
        except BaseException:
            film_task.cancel()
            raise
        events = await film_task
        rows = build_match_rows(
            stats,
            xuid,
            self.gamertag,
            asset_names=names,
            now=utc_now(),
            skill=skill,
            events=events,
            history_row=history_row,
            known_gamertags=store.known_gamertags(roster),
        )
        self._write(store, rows)
        self.summary.new.append(match_id)

    def _write(self, store: PlayerStore, rows: MatchRows) -> None:
        try:
            store.write_match(rows)
        except Exception as exc:
            raise UserError(
                f"Writing match {rows.match_id} into {store.path} failed and was rolled back "
                f"(nothing of it was kept): {exc}"
            ) from exc

    async def _film_events(self, match_id: str) -> list[FilmEvent] | None:
        try:
            return await self.api.film_events(match_id)
        except FilmUnavailable as exc:
            self.summary.no_film.append((match_id, str(exc)))
            return None

    async def _asset_names(self, stats: Mapping[str, Any]) -> dict[str, str | None]:
        names: dict[str, str | None] = {}
        for ref in asset_refs(stats.get("MatchInfo") or {}):
            if ref not in self.assets:
                self.assets.put(ref, await self.api.asset_name(ref))
            names[ref.kind] = self.assets.get(ref)
        return names


def _remove_db(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()  # only when empty


def _oldest_first(picked: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return list(reversed(picked.values()))


def _batches(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), max(1, size)):
        yield rows[i : i + size]

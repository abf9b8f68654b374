"""The sync engine: bring one player up to date from the Halo API, through the landing.

1. Open the landing (a locked or corrupt one stops the sync here, before any call), and merge
   what an earlier sync landed and did not merge (stopped before its build, --no-build).
2. Page the player's match history, newest first, down to the player's own newest synced
   match (never stopping at a match the warehouse knows through another player); every page
   is landed as received. On a cleaned DB, the matches of match_stats without a shared roster
   (another program wrote them, such as the old app's own sync: cleanup/app_sync.py) are not
   synced: the paging goes back past them, and they are taken as not synced yet.
3. Ask the warehouse (read-only) which of these matches it knows: in the registry with their
   roster, and their film loaded or known to be missing. Those cost no API call.
4. Oldest first, in batches: a new match costs its stats, skill (every participant, one
   request) and film (manifest + highlight chunk), plus asset versions never landed; all of a
   match is landed in one transaction. Then one dbt build (phase 3) merges the batch, and the
   player's rows of every match of the batch, new or known, are written into the player DB
   from the warehouse (sync/player_rows.py): the personal tables always, the v4 shared tables
   too while the DB is not cleaned up.

Processing oldest first means an interrupted sync leaves a consistent prefix: the next sync
merges what was landed, stops at the newest match written and picks up the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from shared_matches.dbt_session import DbtSession
from shared_matches.landing.responses import (
    LandedFilm,
    LandedResponse,
    LandingDataError,
    human_xuid,
    response_problem,
)
from shared_matches.landing.store import FilmDecode, LandingStore
from shared_matches.paths import DataDir, UserError
from shared_matches.sync.api_client import AssetRef, HaloApi, NotFound
from shared_matches.sync.parsing import dig, timestamp
from shared_matches.sync.player_rows import PlayerStore, write_player_rows
from shared_matches.sync.summary import SyncSummary
from shared_matches.sync.warehouse_build import build_landing, landing_pending
from shared_matches.sync.warehouse_lookup import WarehouseReader

HISTORY_PAGE_SIZE = 25
ASSET_FIELDS = {
    "playlist": "Playlist",
    "map": "MapVariant",
    "pair": "PlaylistMapModePair",
    "game_variant": "UgcGameVariant",
}
ASSET_KINDS = {
    "playlist": "asset_playlist",
    "map": "asset_map",
    "pair": "asset_map_mode_pair",
    "game_variant": "asset_game_variant",
}


@dataclass
class SyncOptions:
    max_matches: int | None = None
    full: bool = False
    use_warehouse: bool = True
    build: bool = True
    progress: bool = True
    xuid: str | None = None
    batch_size: int = 50


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class SyncEngine:
    def __init__(
        self,
        data_dir: DataDir,
        gamertag: str,
        api: HaloApi,
        options: SyncOptions | None = None,
        session: DbtSession | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.gamertag = gamertag
        self.api = api
        self.options = options or SyncOptions()
        self.summary = SyncSummary(gamertag)
        self.warehouse = WarehouseReader(data_dir)
        self.session = session or DbtSession(data_dir)
        self._parsing: threading.Thread | None = None
        self._collecting = True  # whether the collector was on when the parse started

    async def run(self) -> SyncSummary:
        calls_before = self.api.stats.snapshot()
        retries_before = Counter(self.api.stats.retries)
        waited_before = self.api.stats.waited_seconds
        path = self.data_dir.player_db(self.gamertag)
        created = not path.exists()
        if self.options.build:
            self._start_parsing()
        failure: BaseException | None = None
        try:
            # opens the landing first: a locked or corrupt landing DB stops the sync here, with
            # its one-line error, before any API call or write
            pending = landing_pending(self.data_dir)
            if self.options.build and pending:
                self._join_parsing()
                self.summary.notes.append("merged what an earlier sync had landed")
                build_landing(self.session)
            with PlayerStore.open(path) as store:
                xuid = await self._owner_xuid(store)
                self.summary.xuid = xuid
                store.claim_owner(xuid, self.gamertag)
                again = self._written_elsewhere(store, xuid)
                newest = None if self.options.full else store.newest_match(again)
                have = store.existing_matches() - again
            with LandingStore.for_data_dir(self.data_dir) as landing:
                candidates = await self._collect_candidates(landing, xuid, newest, have)
            await self._process(path, xuid, candidates)
            self._note_left_unshared(again)
        except (UserError, asyncio.CancelledError, KeyboardInterrupt) as exc:
            failure = exc
            self.summary.error = str(exc) or type(exc).__name__
        finally:
            self._join_parsing()
            if created and not (self.summary.new or self.summary.known):
                _remove_db(path)  # a first sync that wrote nothing leaves no empty player DB
            self.summary.calls = self.api.stats.snapshot() - calls_before
            self.summary.retries = Counter(self.api.stats.retries) - retries_before
            self.summary.waited_seconds = self.api.stats.waited_seconds - waited_before
        if failure is not None:
            raise failure
        return self.summary

    # -- dbt, prepared while the API answers ---------------------------------------------
    def _start_parsing(self) -> None:
        """Import dbt and parse the project in a thread: the API calls wait on the network,
        so the build after them starts at once. While it runs, Python's cyclic garbage
        collector is off: a collection started in one thread runs the finalizers of DuckDB
        objects of the other (a connection, a result) while that thread is inside DuckDB
        with the GIL released, which crashed a sync about once in 135 (a segfault in
        duckdb.connect). Objects are still freed by reference counting, each in its thread;
        the collector is back on, and runs once, when the parse is joined."""
        self._collecting = gc.isenabled()
        gc.disable()
        self._parsing = threading.Thread(target=self._parse_quietly, daemon=True)
        self._parsing.start()

    def _parse_quietly(self) -> None:
        with contextlib.suppress(Exception):  # the build parses again and says what failed
            self.session.manifest()

    def _join_parsing(self) -> None:
        if self._parsing is not None:
            self._parsing.join()
            self._parsing = None
            if self._collecting:
                gc.enable()
                gc.collect()

    # -- who and what ---------------------------------------------------------------------
    async def _owner_xuid(self, store: PlayerStore) -> str:
        wanted = self.options.xuid
        if wanted:
            xuid = human_xuid(wanted)
            if not xuid:
                raise UserError(f"--xuid must be 16 digits, got {wanted!r}.")
            return xuid
        known = store.owner_xuid()
        if known:
            return known
        user = await self.api.user_by_gamertag(self.gamertag)
        xuid = human_xuid(user.get("xuid"))
        if not xuid:
            raise UserError(f"The Halo API gave no xuid for gamertag {self.gamertag!r}.")
        with LandingStore.for_data_dir(self.data_dir) as landing:
            landing.append([self._response("user", user, player_xuid=xuid, request=self.gamertag)])
        return xuid

    def _written_elsewhere(self, store: PlayerStore, xuid: str) -> set[str]:
        """The matches of a cleaned DB's match_stats that have no shared roster for the player
        (another program wrote them: the old app's own sync cannot write into the views): the
        sync takes them as matches it has not synced, fetched in full unless the warehouse
        knows them. Only a cleaned DB: a DB with its own tables holds its roster itself."""
        if not (store.is_cleaned and self.options.use_warehouse):
            return set()
        catalog = store.con.execute("select current_database()").fetchone()[0]
        found = self.warehouse.unshared_matches(store.con, catalog, xuid)
        again = {m.match_id for m in found if m.sync_again}
        if again:
            self.summary.notes.append(
                f"{len(again)} match(es) of {self.gamertag}'s match_stats had no shared roster "
                "(written by another program, such as the app's own sync): taken as not "
                "synced yet"
            )
        return again

    def _note_left_unshared(self, again: set[str]) -> None:
        left = sorted(again - set(self.summary.new) - set(self.summary.known))
        if left:
            shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
            self.summary.notes.append(
                f"still without a shared roster: {shown} (not in the match history read, or "
                "skipped above); `shared-matches status` lists them"
            )

    def _response(self, kind: str, data: Any, **fields: Any) -> LandedResponse:
        return LandedResponse.of_json(
            kind, data, fetched_at=utc_now(), fetched_by=self.gamertag, **fields
        )

    async def _collect_candidates(
        self,
        landing: LandingStore,
        xuid: str,
        newest: tuple[str, datetime | None] | None,
        have: set[str],
    ) -> list[dict[str, Any]]:
        """History rows to sync, oldest first; every page read is landed as received."""
        newest_id, newest_start = newest if newest else (None, None)
        limit = self.options.max_matches
        picked: dict[str, dict[str, Any]] = {}
        start = 0
        while True:
            page = await self.api.match_history(xuid, start, HISTORY_PAGE_SIZE)
            landing.append(
                [
                    self._response(
                        "match_history",
                        page,
                        player_xuid=xuid,
                        request=f"start={start}&count={HISTORY_PAGE_SIZE}",
                    )
                ]
            )
            rows = page.get("Results") or []
            for row in rows:
                self.summary.history_rows += 1
                match_id = str(row.get("MatchId") or "").lower()
                if not match_id:
                    self.summary.skipped.append(("?", "history row without MatchId"))
                    continue
                started = timestamp(dig(row, "MatchInfo", "StartTime"))
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

    # -- per batch ------------------------------------------------------------------------
    async def _process(self, path: Path, xuid: str, candidates: list[dict[str, Any]]) -> None:
        """Per batch: fetch and land the new matches (the landing is open only meanwhile: the
        build attaches it), merge the batch, write the player's rows."""
        bar = tqdm(
            total=len(candidates),
            desc=f"sync {self.gamertag}",
            unit="match",
            disable=not self.options.progress,
            leave=False,
        )
        try:
            for batch in _batches(candidates, self.options.batch_size):
                ids = [str(r["MatchId"]).lower() for r in batch]
                known = (
                    self.warehouse.known_matches(ids, xuid) if self.options.use_warehouse else set()
                )
                written: list[str] = []
                try:
                    with LandingStore.for_data_dir(self.data_dir) as landing:
                        for row, match_id in zip(batch, ids, strict=True):
                            if match_id in known:
                                self.summary.known.append(match_id)
                                written.append(match_id)
                            elif await self._fetch_new(landing, xuid, row, match_id):
                                self.summary.new.append(match_id)
                                written.append(match_id)
                            bar.update(1)
                            bar.set_postfix(
                                new=len(self.summary.new), known=len(self.summary.known)
                            )
                except UserError:
                    # the API gave up (or refused the token) in the middle of a batch: what was
                    # landed before is merged and written (older matches first: a consistent
                    # prefix), then the sync stops with the error
                    self._merge_and_write(path, xuid, written)
                    raise
                self._merge_and_write(path, xuid, written)
        finally:
            bar.close()

    def _merge_and_write(self, path: Path, xuid: str, match_ids: list[str]) -> None:
        """The phase-3 build, then the player's rows of these matches from the warehouse."""
        if not match_ids or not self.options.build:
            return
        started = time.perf_counter()
        self._join_parsing()
        build = build_landing(self.session)
        self.summary.build_seconds = (self.summary.build_seconds or 0.0) + build.seconds
        self.summary.publish_seconds = (self.summary.publish_seconds or 0.0) + build.publish_seconds
        with PlayerStore.open(path) as store:
            write_player_rows(self.data_dir, store, xuid, match_ids)
        merged = time.perf_counter() - started
        self.summary.merge_seconds = (self.summary.merge_seconds or 0.0) + merged

    async def _fetch_new(
        self, landing: LandingStore, xuid: str, history_row: Mapping[str, Any], match_id: str
    ) -> bool:
        """Fetch and land everything of a new match; False when it is skipped (reported)."""
        try:
            stats = await self.api.match_stats(match_id)
        except NotFound:
            self.summary.skipped.append((match_id, "match stats not found (404)"))
            return False
        stats_response = self._response("match_stats", stats, match_id=match_id, player_xuid=xuid)
        problem = response_problem(stats_response, match_id)
        if problem is not None:  # checked before the skill and film calls it would waste
            self.summary.skipped.append((match_id, f"match stats {problem}"))
            return False
        roster = _human_xuids(stats)
        if xuid not in roster:
            self.summary.skipped.append((match_id, f"match stats has no entry for xuid({xuid})"))
            return False
        skill_task = asyncio.create_task(self._skill(match_id, sorted(roster)))
        film_task = asyncio.create_task(self._film(match_id))
        try:
            assets = await self._assets(landing, stats)
            skill = await skill_task
            film = await film_task
        except BaseException:
            skill_task.cancel()
            film_task.cancel()
            raise
        responses = [stats_response, *([skill] if skill else [])]
        try:
            landed = landing.append_match(responses, film)
            if assets:
                landing.append(assets)
        except LandingDataError as exc:
            self.summary.skipped.append((match_id, str(exc)))
            return False
        if landed.film is None or not landed.film.ok:
            self.summary.no_film.append((match_id, _film_reason(film, landed.film)))
        return True

    async def _skill(self, match_id: str, roster: list[str]) -> LandedResponse | None:
        try:
            data = await self.api.match_skill(match_id, roster)
        except NotFound:
            return None
        return self._response("match_skill", data, match_id=match_id, request=",".join(roster))

    async def _film(self, match_id: str) -> LandedFilm:
        """The film as the API gives it: a 404 manifest, a manifest without highlight chunk,
        or the manifest and its chunk (whose 404 is landed too): a missing film is recorded
        once, so that no player asks for it again."""
        try:
            manifest = await self.api.film_manifest(match_id)
        except NotFound:
            return LandedFilm(
                manifest=LandedResponse(
                    "film_manifest", 404, utc_now(), self.gamertag, match_id=match_id
                )
            )
        landed_manifest = self._response("film_manifest", manifest.payload, match_id=match_id)
        if manifest.chunk_url is None:
            return LandedFilm(manifest=landed_manifest)
        try:
            data = await self.api.film_chunk(manifest.chunk_url)
        except NotFound:
            chunk = LandedResponse(
                "film_chunk",
                404,
                utc_now(),
                self.gamertag,
                match_id=match_id,
                request=manifest.chunk_url,
            )
        else:
            chunk = LandedResponse(
                "film_chunk",
                200,
                utc_now(),
                self.gamertag,
                match_id=match_id,
                request=manifest.chunk_url,
                body=data,
                film_version=manifest.film_version,
            )
        return LandedFilm(manifest=landed_manifest, chunk=chunk)

    async def _assets(
        self, landing: LandingStore, stats: Mapping[str, Any]
    ) -> list[LandedResponse]:
        """The asset versions of the match that the landing has never received."""
        info = stats.get("MatchInfo") or {}
        refs = [ref for ref in asset_refs(info) if not landing_has_asset(landing, ref)]
        landed = []
        for ref in refs:
            try:
                data = await self.api.asset(ref)
            except NotFound:
                continue
            landed.append(
                self._response(
                    ASSET_KINDS[ref.kind], data, request=f"{ref.asset_id}/{ref.version_id}"
                )
            )
        return landed


def asset_refs(match_info: Mapping[str, Any]) -> list[AssetRef]:
    """The asset versions a match (or history row) refers to; custom games may lack some."""
    refs = []
    for kind, key in ASSET_FIELDS.items():
        asset_id = dig(match_info, key, "AssetId")
        version_id = dig(match_info, key, "VersionId")
        if asset_id and version_id:
            refs.append(AssetRef(kind, str(asset_id).lower(), str(version_id).lower()))
    return refs


def landing_has_asset(landing: LandingStore, ref: AssetRef) -> bool:
    row = landing.con.execute(
        "select count(*) from responses where kind = ? and request = ? and http_status = 200",
        [ASSET_KINDS[ref.kind], f"{ref.asset_id}/{ref.version_id}"],
    ).fetchone()
    return bool(row and row[0])


def _human_xuids(stats: Mapping[str, Any]) -> set[str]:
    return {
        xuid
        for player in stats.get("Players") or []
        if isinstance(player, dict) and (xuid := human_xuid(player.get("PlayerId")))
    }


def _film_reason(film: LandedFilm, decode: FilmDecode | None) -> str:
    if film.manifest is None or film.manifest.http_status == 404:
        return "no film for this match (404)"
    if film.chunk is None:
        return "the film has no highlight-events chunk"
    if film.chunk.http_status == 404:
        return "highlight-events chunk not found (404)"
    return f"unreadable highlight-events chunk: {decode.error if decode else 'not decoded'}"


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

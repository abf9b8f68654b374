"""A local stand-in for the Halo Infinite API, serving recorded real responses.

It listens on 127.0.0.1 (random port) and answers under the real API paths, routed by the
``Host`` header the client keeps when ``HaloApi.connect(api_base_url=...)`` rewrites the
real ``*.halowaypoint.com`` URLs to it: so the real ``spnkr`` client code runs unchanged.

- halostats: match history pages, match stats;
- skill: match skill for the requested players (from the recorded skill response's shape);
- discovery-infiniteugc: film manifests (recorded shape), asset versions (recorded shapes);
- blobs-infiniteugc: the highlight-events film chunk;
- profile: users by gamertag.

It counts requests per endpoint (the names the sync's summary uses), can inject failures
(``fail("match_stats", 429, headers={"Retry-After": "1"})``) and can serve GENERATED matches
that follow the real shapes: the recorded oddball match (stats + film chunk, consistent with
each other) with a new match id, start time and players substituted
(:meth:`FakeHaloApi.add_generated_match`).

Recorded responses are read from ``HALO_API_FIXTURES`` or ``../shared/fixtures/halo-api``
seen from the project root; they are never copied into the repository.

A test-support module: the test suite and the sync benchmark (``sync/benchmark.py``) use it;
no command does.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import os
import re
import threading
import uuid
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from aiohttp import web
from spnkr.film import highlight_events

from shared_matches.paths import PROJECT_ROOT

FIXTURES_ENV = "HALO_API_FIXTURES"
ODDBALL_ID = "63391382-6b88-43f9-9ff4-6313404c419c"
TOKEN = "test-spartan-token"
CLEARANCE = "test-clearance-token"

STATS_HOST = "halostats.svc.halowaypoint.com"
SKILL_HOST = "skill.svc.halowaypoint.com"
UGC_HOST = "discovery-infiniteugc.svc.halowaypoint.com"
BLOB_HOST = "blobs-infiniteugc.svc.halowaypoint.com"
PROFILE_HOST = "profile.svc.halowaypoint.com"

ASSET_KINDS = {
    "playlists": ("playlist", "get_playlist.json"),
    "maps": ("map", "get_map.json"),
    "mapModePairs": ("map_mode_pair", "get_map_mode_pair.json"),
    "ugcGameVariants": ("game_variant", "get_ugc_game_variant.json"),
}
_FILM_NAME = re.compile(r"^(\d+)_([0-9a-f-]{36})\.gzip$")
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def fixtures_dir() -> Path:
    raw = os.environ.get(FIXTURES_ENV)
    path = Path(raw) if raw else PROJECT_ROOT.parent / "shared" / "fixtures" / "halo-api"
    if not (path / "responses").is_dir():
        raise FileNotFoundError(
            f"Recorded Halo API responses not found at {path}: set {FIXTURES_ENV}."
        )
    return path


def load_json(name: str, root: Path | None = None) -> Any:
    return json.loads(((root or fixtures_dir()) / "responses" / name).read_text())


def api_time(value: datetime) -> str:
    return value.strftime(_DATE_FORMAT)[:-4] + "Z"


@dataclass
class Fault:
    endpoint: str
    status: int
    headers: dict[str, str]
    remaining: int
    match_id: str | None = None  # None: any request of the endpoint


# spnkr's FilmChunkType of the highlight-events chunk
HIGHLIGHT_CHUNK_TYPE = 3


@dataclass
class ServedMatch:
    stats: dict[str, Any]
    film: tuple[int, bytes] | None = None  # (film major version, highlight chunk)
    highlights: bool = True  # False: the manifest names no highlight-events chunk


@dataclass
class FakeHaloApi:
    """The fake API's content (matches, histories, users), its counters and its server."""

    root: Path = field(default_factory=fixtures_dir)
    tokens: set[str] = field(default_factory=lambda: {TOKEN})
    matches: dict[str, ServedMatch] = field(default_factory=dict)
    histories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)  # gamertag (lower) -> xuid
    asset_names: dict[str, str] = field(default_factory=dict)  # asset id -> public name
    requests: Counter[str] = field(default_factory=Counter)
    # (endpoint, match id) -> requests, for the endpoints that name a match
    match_requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    faults: list[Fault] = field(default_factory=list)
    # (xuid, match id) -> a recorded history row, preferred to one built from the stats
    recorded_history: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        for _, name in ASSET_KINDS.values():
            template = load_json(name, self.root)
            self.asset_names.setdefault(template["AssetId"].lower(), template["PublicName"])

    # -- content -----------------------------------------------------------------------------
    def add_match(self, stats: dict[str, Any], film: tuple[int, bytes] | None = None) -> str:
        match_id = str(stats["MatchId"]).lower()
        self.matches[match_id] = ServedMatch(stats, film)
        return match_id

    def add_user(self, gamertag: str, xuid: str) -> None:
        self.users[gamertag.lower()] = xuid

    def set_history(self, xuid: str, match_ids: list[str]) -> None:
        """The player's history, newest first, built from the served stats."""
        rows = [
            copy.deepcopy(self.recorded_history.get((xuid, m)))
            or history_row(self.matches[m].stats, xuid)
            for m in match_ids
        ]
        rows.sort(key=lambda r: r["MatchInfo"]["StartTime"], reverse=True)
        self.histories[xuid] = rows

    def load_real_fixtures(self) -> list[str]:
        """Serve every recorded match stats file, with its film chunk when recorded."""
        films: dict[str, tuple[int, bytes]] = {}
        for path in sorted((self.root / "film").glob("*.gzip")):
            found = _FILM_NAME.match(path.name)
            if found:
                films[found.group(2)] = (int(found.group(1)), path.read_bytes())
        # The recorded history page belongs to the player present in every recorded match.
        owner = "2535445291321133"
        for row in load_json("get_match_history.json", self.root)["Results"]:
            self.recorded_history[(owner, str(row["MatchId"]).lower())] = row
        ids = []
        for path in sorted((self.root / "responses").glob("get_match_stats*.json")):
            stats = json.loads(path.read_text())
            ids.append(self.add_match(stats, films.get(str(stats["MatchId"]).lower())))
        return ids

    def break_film(self, match_id: str, how: str) -> None:
        """Serve the match's film as the API does when there is none to read: ``"404"`` (no
        manifest), ``"no_highlights"`` (a manifest without highlight-events chunk) or
        ``"undecodable"`` (a chunk the decoder cannot read)."""
        match = self.matches[match_id]
        if how == "404":
            match.film = None
        elif how == "no_highlights":
            match.highlights = False
        elif how == "undecodable":
            version = match.film[0] if match.film else OddballTemplate.VERSION
            match.film = (version, b"not a zlib stream, not a film chunk")
        else:
            raise ValueError(f"unknown way to break a film: {how}")

    def calls_for(self, match_id: str) -> Counter[str]:
        """Requests received about one match, by endpoint."""
        return Counter({e: n for (e, m), n in self.match_requests.items() if m == match_id})

    def fail(
        self,
        endpoint: str,
        status: int,
        times: int = 1,
        headers: dict[str, str] | None = None,
        match_id: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests of the endpoint (about that match only, when
        given) with this status."""
        self.faults.append(Fault(endpoint, status, dict(headers or {}), times, match_id))

    @property
    def oddball_template(self) -> OddballTemplate:
        return oddball_template(self.root)

    def add_generated_match(
        self,
        match_id: str,
        start: datetime,
        players: list[tuple[str, str]],
        variant: int = 0,
    ) -> str:
        """Serve a generated match: the recorded oddball match with new id, time and players.

        ``players`` are 8 (xuid, gamertag) pairs, put in the recorded players' places (so
        kills, deaths and film events stay consistent); ``variant`` picks asset versions.
        """
        stats, film = self.oddball_template.generate(match_id, start, players, variant)
        for xuid, gamertag in players:
            self.users.setdefault(gamertag.lower(), xuid)
        return self.add_match(stats, film)

    # -- server ------------------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeHaloApi:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @contextmanager
    def running_in_thread(self) -> Iterator[FakeHaloApi]:
        """Serve from a background thread (for code that runs its own event loop)."""
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start())
            ready.set()
            loop.run_forever()

        thread = threading.Thread(target=serve, name="fake-halo-api", daemon=True)
        thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Halo API did not start")
        try:
            yield self
        finally:
            asyncio.run_coroutine_threadsafe(self.stop(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        host = request.host.split(":")[0]
        endpoint, handler, params = self._route(host, request.path)
        self.requests[endpoint] += 1
        if "match_id" in params:
            self.match_requests[(endpoint, params["match_id"].lower())] += 1
        if request.headers.get("x-343-authorization-spartan") not in self.tokens and (
            host != BLOB_HOST
        ):
            return web.json_response({"error": "unauthorized"}, status=401)
        for fault in self.faults:
            if (
                fault.endpoint == endpoint
                and fault.remaining > 0
                and fault.match_id in (None, params.get("match_id", "").lower())
            ):
                fault.remaining -= 1
                return web.json_response(
                    {"error": "injected"}, status=fault.status, headers=fault.headers
                )
        if handler is None:
            return web.json_response({"error": "not found"}, status=404)
        return handler(request, **params)

    def _route(self, host: str, path: str) -> tuple[str, Any, dict[str, str]]:
        routes: list[tuple[str, str, str, Any]] = [
            (
                STATS_HOST,
                r"^/hi/players/(?P<player>[^/]+)/matches$",
                "match_history",
                self._history,
            ),
            (STATS_HOST, r"^/hi/matches/(?P<match_id>[^/]+)/stats$", "match_stats", self._stats),
            (SKILL_HOST, r"^/hi/matches/(?P<match_id>[^/]+)/skill$", "match_skill", self._skill),
            (
                UGC_HOST,
                r"^/hi/films/matches/(?P<match_id>[^/]+)/spectate$",
                "film_manifest",
                self._film_manifest,
            ),
            (
                UGC_HOST,
                r"^/hi/(?P<kind>playlists|maps|mapModePairs|ugcGameVariants)/"
                r"(?P<asset_id>[^/]+)/versions/(?P<version_id>[^/]+)$",
                "asset",
                self._asset,
            ),
            (
                BLOB_HOST,
                r"^/ugcstorage/film/[^/]+/(?P<match_id>[^/]+)/(?P<chunk>[^/]+)$",
                "film_chunk",
                self._film_chunk,
            ),
            (PROFILE_HOST, r"^/users/(?P<user>[^/]+)$", "user", self._user),
        ]
        for route_host, pattern, endpoint, handler in routes:
            found = re.match(pattern, path)
            if route_host == host and found:
                params = found.groupdict()
                if endpoint == "asset":
                    endpoint = ASSET_KINDS[params["kind"]][0]
                return endpoint, handler, params
        return "unknown", None, {}

    # -- handlers ----------------------------------------------------------------------------
    def _history(self, request: web.Request, player: str) -> web.Response:
        xuid = _unwrap(player) or self.users.get(player.lower(), "")
        rows = self.histories.get(xuid, [])
        start = int(request.query.get("start", 0))
        count = min(int(request.query.get("count", 25)), 25)
        page = rows[start : start + count]
        return web.json_response(
            {"Start": start, "Count": count, "ResultCount": len(page), "Results": page, "Links": {}}
        )

    def _stats(self, request: web.Request, match_id: str) -> web.Response:
        match = self.matches.get(match_id.lower())
        if match is None:
            return web.json_response({}, status=404)
        return web.json_response(match.stats)

    def _skill(self, request: web.Request, match_id: str) -> web.Response:
        match = self.matches.get(match_id.lower())
        if match is None:
            return web.json_response({}, status=404)
        wanted = [_unwrap(p) for p in request.query.getall("players", [])]
        return web.json_response(skill_response(match.stats, wanted, self._skill_template))

    @cached_property
    def _skill_template(self) -> dict[str, Any]:
        return load_json("get_match_skill.json", self.root)["Value"][0]

    def _film_manifest(self, request: web.Request, match_id: str) -> web.Response:
        match = self.matches.get(match_id.lower())
        if match is None or match.film is None:
            return web.json_response({}, status=404)
        manifest = copy.deepcopy(load_json("get_film_by_match_id.json", self.root))
        manifest["CustomData"]["MatchId"] = match_id
        manifest["CustomData"]["FilmMajorVersion"] = match.film[0]
        if not match.highlights:
            manifest["CustomData"]["Chunks"] = [
                c
                for c in manifest["CustomData"]["Chunks"]
                if c.get("ChunkType") != HIGHLIGHT_CHUNK_TYPE
            ]
        manifest["BlobStoragePathPrefix"] = (
            f"https://{BLOB_HOST}/ugcstorage/film/{manifest['AssetId']}/{match_id}/"
        )
        return web.json_response(manifest)

    def _film_chunk(self, request: web.Request, match_id: str, chunk: str) -> web.Response:
        match = self.matches.get(match_id.lower())
        manifest = load_json("get_film_by_match_id.json", self.root)
        last = max(manifest["CustomData"]["Chunks"], key=lambda c: c["Index"])
        if match is None or match.film is None or chunk != last["FileRelativePath"].lstrip("/"):
            return web.Response(status=404)
        return web.Response(body=match.film[1], content_type="application/octet-stream")

    def _asset(
        self, request: web.Request, kind: str, asset_id: str, version_id: str
    ) -> web.Response:
        data = copy.deepcopy(load_json(ASSET_KINDS[kind][1], self.root))
        data["AssetId"] = asset_id
        data["VersionId"] = version_id
        data["PublicName"] = self.asset_names.get(
            asset_id.lower(), f"{ASSET_KINDS[kind][0]} {asset_id[:8]}"
        )
        return web.json_response(data)

    def _user(self, request: web.Request, user: str) -> web.Response:
        found = re.match(r"^gt\((.+)\)$", user)
        if found:
            gamertag = found.group(1)
            xuid = self.users.get(gamertag.lower())
        else:
            xuid = _unwrap(user)
            gamertag = next((g for g, x in self.users.items() if x == xuid), "")
        if not xuid:
            return web.json_response({}, status=404)
        data = copy.deepcopy(load_json("get_users.json", self.root)[0])
        data.update(xuid=xuid, gamertag=gamertag)
        return web.json_response(data)


def generated_id(label: str) -> str:
    """A deterministic lower-case match GUID for a label."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"halo-fake/{label}"))


def generated_xuid(label: str) -> str:
    """A deterministic 16-digit xuid (in the range real xuids use) for a label."""
    digest = int(hashlib.md5(label.encode()).hexdigest(), 16)
    return str(2533274900000000 + digest % 99_999_999)


def roster(tracked: list[tuple[str, str]], label: str, size: int = 8) -> list[tuple[str, str]]:
    """``tracked`` players plus generated strangers, ``size`` (xuid, gamertag) pairs in all."""
    strangers = [
        (generated_xuid(f"{label}/{i}"), f"Stranger{generated_xuid(f'{label}/{i}')[-6:]}")
        for i in range(size - len(tracked))
    ]
    return list(tracked) + strangers


def _unwrap(player: str) -> str:
    found = re.match(r"^xuid\((\d+)\)$", player)
    if found:
        return found.group(1)
    return player if player.isdigit() else ""


def history_row(stats: dict[str, Any], xuid: str) -> dict[str, Any]:
    """A match-history row (real shape) of one player, from the match's stats."""
    player = next(p for p in stats["Players"] if p["PlayerId"] == f"xuid({xuid})")
    return {
        "MatchId": stats["MatchId"],
        "MatchInfo": copy.deepcopy(stats["MatchInfo"]),
        "LastTeamId": player["LastTeamId"],
        "Outcome": player["Outcome"],
        "Rank": player["Rank"],
        "PresentAtEndOfMatch": bool(
            (player.get("ParticipationInfo") or {}).get("PresentAtCompletion", True)
        ),
    }


def skill_response(
    stats: dict[str, Any], wanted: list[str], template: dict[str, Any]
) -> dict[str, Any]:
    """The skill response (real shape) for the requested players of a match."""
    players = {p["PlayerId"]: p for p in stats["Players"]}
    teams = sorted({p["LastTeamId"] for p in stats["Players"]})
    seed = int(str(stats["MatchId"]).replace("-", "")[:6], 16)
    mmrs = {str(t): 1200.0 + (seed * (t + 3)) % 400 for t in teams}
    values = []
    for xuid in wanted:
        player = players.get(f"xuid({xuid})")
        if player is None:
            values.append({"Id": f"xuid({xuid})", "ResultCode": 1, "Result": None})
            continue
        core = player["PlayerTeamStats"][0]["Stats"]["CoreStats"]
        result = copy.deepcopy(template["Result"])
        result["TeamId"] = player["LastTeamId"]
        result["TeamMmr"] = mmrs[str(player["LastTeamId"])]
        result["TeamMmrs"] = mmrs
        result["StatPerformances"]["Kills"]["Count"] = core["Kills"]
        result["StatPerformances"]["Kills"]["Expected"] = core["Kills"] * 0.9 + 1
        result["StatPerformances"]["Deaths"]["Count"] = core["Deaths"]
        result["StatPerformances"]["Deaths"]["Expected"] = core["Deaths"] * 1.1 + 1
        values.append({"Id": f"xuid({xuid})", "ResultCode": 0, "Result": result})
    return {"Value": values}


# -- generated matches ---------------------------------------------------------------------


def encode_highlight_chunk(events: list[Any]) -> bytes:
    """Write highlight events in the film chunk format ``spnkr.film.highlight_events.read``
    reads for major versions <= 38 (xuid, marker, 60-byte record, end marker), compressed."""
    out = bytearray()
    for event in events:
        name = event.gamertag.encode("utf-16le")[:32].ljust(32, b"\x00")
        record = (
            name
            + b"\x00" * 15
            + bytes([event.type_hint])
            + int(event.time_ms).to_bytes(4, "big")
            + b"\x00" * 3
            + bytes([1 if event.is_medal else 0])
            + b"\x00" * 3
            + bytes([event.medal_value & 0xFF])
        )
        out += int(event.xuid).to_bytes(8, "little") + b"\x2d\xc0" + record + b"\x00\x00\x2e\xe0"
    return zlib.compress(bytes(out))


@lru_cache(maxsize=4)
def oddball_template(root: Path) -> OddballTemplate:
    """The recorded oddball match, read (and its film parsed) once per process."""
    return OddballTemplate(root)


class OddballTemplate:
    """The recorded oddball match (stats + its film events), ready to be re-labelled."""

    VERSION = 38
    # A few asset versions, so that generated matches exercise the asset-name cache.
    VARIANTS = 3

    def __init__(self, root: Path) -> None:
        self.stats = load_json("get_match_stats_oddball.json", root)
        chunk = (root / "film" / f"{self.VERSION}_{ODDBALL_ID}.gzip").read_bytes()
        self.events = list(highlight_events.read(chunk, self.VERSION))
        self.xuids = [_unwrap(p["PlayerId"]) for p in self.stats["Players"]]

    def generate(
        self, match_id: str, start: datetime, players: list[tuple[str, str]], variant: int
    ) -> tuple[dict[str, Any], tuple[int, bytes]]:
        if len(players) != len(self.xuids):
            raise ValueError(f"a generated oddball match needs {len(self.xuids)} players")
        mapping = {old: new for old, new in zip(self.xuids, players, strict=True)}
        stats = copy.deepcopy(self.stats)
        stats["MatchId"] = match_id
        info = stats["MatchInfo"]
        length = timedelta(minutes=18, seconds=31)
        info["StartTime"] = api_time(start)
        info["EndTime"] = api_time(start + length)
        for key in ("MapVariant", "UgcGameVariant", "Playlist", "PlaylistMapModePair"):
            version = info[key]["VersionId"]
            info[key]["VersionId"] = version[:-2] + f"{variant % self.VARIANTS:02d}"
        for player in stats["Players"]:
            player["PlayerId"] = f"xuid({mapping[_unwrap(player['PlayerId'])][0]})"
            player["ParticipationInfo"]["FirstJoinedTime"] = info["StartTime"]
        events = [
            e._replace(xuid=int(mapping[str(e.xuid)][0]), gamertag=mapping[str(e.xuid)][1])
            for e in self.events
        ]
        return stats, (self.VERSION, encode_highlight_chunk(events))


@asynccontextmanager
async def serving_client(fake: FakeHaloApi) -> AsyncIterator[Any]:
    """Serve the fake API and yield a HaloApi client of it with the test tokens and no rate
    limit to speak of (the benchmarks' client)."""
    from shared_matches.sync.api_client import HaloApi, Tokens

    async with fake:
        tokens = Tokens(TOKEN, CLEARANCE, "benchmark")
        async with HaloApi.connect(
            tokens, api_base_url=fake.base_url, requests_per_second=10_000
        ) as api:
            yield api


def sync_with_fake_api(
    fake: FakeHaloApi,
    data_dir: Any,
    gamertag: str,
    *,
    spartan_token: str = TOKEN,
    retry_delay: float = 0.01,
    errors: list[BaseException] | None = None,
    **options: Any,
) -> Any:
    """Run one real sync (``SyncEngine`` on the spnkr client) against a running fake API.

    Call it outside an event loop (``fake.running_in_thread()`` serves meanwhile). Returns the
    sync summary. The engine's errors propagate, unless ``errors`` is given: they are then
    appended to it and the summary (as far as the sync went) is returned.
    """
    from shared_matches.sync.api_client import HaloApi, RetryPolicy, Tokens
    from shared_matches.sync.engine import SyncEngine, SyncOptions

    async def go() -> Any:
        async with HaloApi.connect(
            Tokens(spartan_token, CLEARANCE, "test"),
            api_base_url=fake.base_url,
            requests_per_second=1000,
            retry=RetryPolicy(attempts=4, base_delay=retry_delay),
        ) as api:
            engine = SyncEngine(data_dir, gamertag, api, SyncOptions(progress=False, **options))
            try:
                return await engine.run()
            except Exception as exc:
                if errors is None:
                    raise
                errors.append(exc)
                return engine.summary

    return asyncio.run(go())

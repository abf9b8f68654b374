"""Helpers of the landing tests: the recorded fixtures (plus edge cases) landed once, and the
halo_api staging models evaluated by the real dbt.

dbt runs in-process, through ``shared_matches.dbt_session`` (as the commands run it). The
models are compiled by dbt (macros, vars and seed included) and their compiled SQL is run on
the same files with DuckDB, which keeps the exact types and values (dbt show's agate tables
round them).
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from shared_matches.dbt_session import DbtResult, DbtSession
from shared_matches.landing.recorded import RecordedLanding, land_recorded
from shared_matches.landing.responses import LandedFilm, LandedResponse
from shared_matches.landing.schema import landing_path
from shared_matches.landing.store import LandingStore
from shared_matches.paths import DataDir
from shared_matches.testing.fake_halo_api import ODDBALL_ID, fixtures_dir

ROOT = fixtures_dir()
FETCHED_BY = "aCurtis X89"
OWNER_XUID = "2535445291321133"
TINY_ID = "01ee3491-1ca1-4822-b23e-63e836104f32"  # film/match_stats.json + highlight_events.gzip
TINY_VERSION = 37
ODDBALL_VERSION = 38
STAGING_SELECTION = "path:models/staging/halo_api"
# with the seed the staging models join (a build loads it into the run's scratch database)
STAGING_AND_SEEDS = STAGING_SELECTION + " resource_type:seed"
LANDING_ENV = "HALO_LANDING"
FETCHED_AT = datetime(2025, 2, 1, 12, 0, 0)


def synthetic_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"shared-matches/landing-tests/{name}"))


# Edge cases landed next to the recorded fixtures (one synthetic match id each).
NULLS_ID = synthetic_id("nulls")  # oddball stats with fields removed, a player on two teams
MANIFEST_404_ID = synthetic_id("manifest-404")
NO_HIGHLIGHTS_ID = synthetic_id("no-highlights")
UNDECODABLE_ID = synthetic_id("undecodable")
CHUNK_404_ID = synthetic_id("chunk-404")
RELANDED_ID = synthetic_id("relanded")  # first a 404 manifest, later the film in full
RECORDED_MANIFEST_ID = "9e3b9529-4dd9-47b0-9669-1f589b9daaf0"  # its chunk is not recorded

EXPECTED_FILM_STATES = {
    MANIFEST_404_ID: "not_found",
    NO_HIGHLIGHTS_ID: "no_highlights",
    UNDECODABLE_ID: "undecodable",
    CHUNK_404_ID: "not_found",
    RELANDED_ID: "loaded",
    RECORDED_MANIFEST_ID: "pending",
}


def recorded_stats_paths() -> list[Path]:
    return sorted((ROOT / "responses").glob("get_match_stats*.json")) + [
        ROOT / "film" / "match_stats.json"
    ]


def load(path: Path) -> Any:
    return json.loads(path.read_text())


def link_recorded(root: Path) -> Path:
    """Every recorded fixture as a symlink, plus the two that need a name: the skill response
    named after the oddball match, the tiny chunk named NN_<match_id>.gzip."""
    source = root / "recorded"
    links = {f"responses/{p.name}": p for p in (ROOT / "responses").glob("*.json")}
    links |= {f"film/{p.name}": p for p in (ROOT / "film").iterdir()}
    links[f"skill/skill_{ODDBALL_ID}.json"] = ROOT / "responses" / "get_match_skill.json"
    links[f"film/{TINY_VERSION}_{TINY_ID}.gzip"] = ROOT / "film" / "highlight_events.gzip"
    for name, target in links.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).symlink_to(target)
    return source


def response(kind: str, data: Any = None, **fields: Any) -> LandedResponse:
    fields.setdefault("fetched_at", FETCHED_AT)
    fields.setdefault("fetched_by", FETCHED_BY)
    if data is None:
        return LandedResponse(kind=kind, http_status=fields.pop("http_status", 200), **fields)
    return LandedResponse.of_json(kind, data, **fields)


def nulls_stats() -> dict[str, Any]:
    """The oddball stats with values removed, renamed: every NULL path of the transform."""
    stats = copy.deepcopy(load(ROOT / "responses" / "get_match_stats_oddball.json"))
    stats["MatchId"] = NULLS_ID.upper()
    info = stats["MatchInfo"]
    info["GameVariantCategory"] = 999  # not a GameVariantCategory: no mode category
    info["PlaylistExperience"] = 4  # a PvE playlist experience: firefight
    info["Duration"] = "P1DT2H3M4.5S"
    info["StartTime"] = "2025-01-29T06:20:33.4411239+02:00"
    info["EndTime"] = None
    info["Playlist"] = None
    players = stats["Players"]
    first = players[0]["PlayerTeamStats"][0]["Stats"]["CoreStats"]
    for key in ("KDA", "Accuracy", "AverageLifeDuration", "DamageDealt"):
        del first[key]
    players[0]["ParticipationInfo"]["TimePlayed"] = None
    # on two teams: sums, KDA/accuracy recomputed, mean of the lives, medals summed
    second = copy.deepcopy(players[1]["PlayerTeamStats"][0])
    second["TeamId"] = 1 - second["TeamId"]
    core = second["Stats"]["CoreStats"]
    del core["ShotsHit"]
    core["AverageLifeDuration"] = "PT7.25S"
    # a medal without a count counts 0; a medal without an id is left out
    core["Medals"] = [*core["Medals"], {"NameId": 4294967295}, {"NameId": None, "Count": 4}]
    players[1]["PlayerTeamStats"].append(second)
    # 100 * 1 / 32 = 3.125 exactly: rounded half-even to 3.12, as Python's round does
    players[1]["PlayerTeamStats"][0]["Stats"]["CoreStats"].update(ShotsHit=1, ShotsFired=16)
    core["ShotsFired"] = 16
    # on two teams, no kills given at all: kills and KDA stay NULL
    third = copy.deepcopy(players[2]["PlayerTeamStats"][0])
    players[2]["PlayerTeamStats"].append(third)
    for entry in players[2]["PlayerTeamStats"]:
        del entry["Stats"]["CoreStats"]["Kills"]
        entry["Stats"]["CoreStats"]["ShotsFired"] = 0
    players[3]["PlayerId"] = players[3]["PlayerId"][len("xuid(") : -1]  # bare digits
    # on two teams, no assists given: KDA counts them 0
    players[3]["PlayerTeamStats"].append(copy.deepcopy(players[3]["PlayerTeamStats"][0]))
    for entry in players[3]["PlayerTeamStats"]:
        del entry["Stats"]["CoreStats"]["Assists"]
    players[4]["PlayerId"] = "bid(58.0)"  # a bot now
    del stats["Teams"][1]["Stats"]["CoreStats"]["Score"]
    return stats


def nulls_skill(stats: dict[str, Any]) -> dict[str, Any]:
    """A skill response with every case of skill_entry / mmr_pair."""
    xuids = [p["PlayerId"] for p in stats["Players"]]
    mmrs = {"0": 1500.5, "1": 1400.25, "2": None}
    return {
        "Value": [
            # no TeamMmr: TeamMmrs[TeamId]; only kills performances
            {
                "Id": xuids[0],
                "ResultCode": 0,
                "Result": {
                    "TeamId": 1,
                    "TeamMmrs": mmrs,
                    "StatPerformances": {"Kills": {"Expected": 9.5, "StdDev": 2}},
                },
            },
            # first entry refused (ResultCode 1), the second (no ResultCode) counts
            {"Id": xuids[1], "ResultCode": 1, "Result": {"TeamId": 0, "TeamMmr": 1.0}},
            {"Id": xuids[1], "Result": {"TeamId": 0, "TeamMmr": 1234.5, "TeamMmrs": mmrs}},
            # a later usable entry of the same player is not used
            {"Id": xuids[1], "ResultCode": 0, "Result": {"TeamId": 1, "TeamMmr": 99.0}},
            # TeamMmr given as null stays NULL; no TeamId: every team is an enemy
            {"Id": xuids[2], "ResultCode": 0, "Result": {"TeamMmr": None, "TeamMmrs": mmrs}},
            {"Id": "bid(58.0)", "ResultCode": 0, "Result": {"TeamId": 0, "TeamMmr": 7.0}},
            {"Id": xuids[5], "ResultCode": 0, "Result": None},
            {"Id": xuids[6], "ResultCode": 0, "Result": {}},
        ]
    }


HISTORY_TIMES = [
    ("2025-01-29T04:20:33.4411239Z", "PT18M31.2141873S"),
    ("2024-09-30T03:58:30.59Z", "PT0S"),
    ("2024-09-30T05:58:30.5+02:00", "P1DT2H3M4.5S"),
    ("2024-09-30T03:58:30", "PT1H"),
    ("not a time", "PT"),
    (None, "nonsense"),
]


def edge_history() -> dict[str, Any]:
    """A history page whose rows carry the timestamp and duration shapes the API may send."""
    rows = []
    template = load(ROOT / "responses" / "get_match_history.json")["Results"][0]
    for i, (start, duration) in enumerate(HISTORY_TIMES):
        row = copy.deepcopy(template)
        row["MatchId"] = synthetic_id(f"history-{i}").upper()
        row["MatchInfo"]["StartTime"] = start
        row["MatchInfo"]["EndTime"] = start
        row["MatchInfo"]["Duration"] = duration
        rows.append(row)
    rows[-1]["PresentAtEndOfMatch"] = None
    rows[-1]["MatchInfo"]["PlaylistMapModePair"] = None
    return {"Start": 25, "Count": 25, "ResultCount": len(rows), "Results": rows}


def manifest(match_id: str, version: int, highlights: bool = True) -> dict[str, Any]:
    data = copy.deepcopy(load(ROOT / "responses" / "get_film_by_match_id.json"))
    data["CustomData"]["MatchId"] = match_id
    data["CustomData"]["FilmMajorVersion"] = version
    if not highlights:
        data["CustomData"]["Chunks"] = [
            c for c in data["CustomData"]["Chunks"] if c["ChunkType"] != 3
        ]
    return data


def chunk(match_id: str, body: bytes | None, version: int = TINY_VERSION) -> LandedResponse:
    if body is None:
        return response("film_chunk", match_id=match_id, http_status=404, request="/filmChunk26")
    return response(
        "film_chunk", match_id=match_id, body=body, film_version=version, request="/filmChunk26"
    )


def tiny_match() -> tuple[list[LandedResponse], LandedFilm]:
    """The tiny recorded match in full: stats, a film manifest and its chunk (6 events)."""
    stats = load(ROOT / "film" / "match_stats.json")
    body = (ROOT / "film" / "highlight_events.gzip").read_bytes()
    return (
        [response("match_stats", stats, match_id=TINY_ID)],
        LandedFilm(
            response("film_manifest", manifest(TINY_ID, TINY_VERSION), match_id=TINY_ID),
            chunk(TINY_ID, body),
        ),
    )


def land_edge_cases(data_dir: DataDir) -> None:
    """The edge cases, landed through the LandingStore API as a sync would."""
    stats = nulls_stats()
    tiny = (ROOT / "film" / "highlight_events.gzip").read_bytes()
    with LandingStore.for_data_dir(data_dir) as store:
        store.append_match(
            [
                response("match_stats", stats, match_id=NULLS_ID),
                response("match_skill", nulls_skill(stats), match_id=NULLS_ID),
            ],
            LandedFilm(response("film_manifest", match_id=NULLS_ID, http_status=404)),
        )
        store.append_match(
            [], LandedFilm(response("film_manifest", match_id=MANIFEST_404_ID, http_status=404))
        )
        store.append_match(
            [],
            LandedFilm(
                response(
                    "film_manifest",
                    manifest(NO_HIGHLIGHTS_ID, TINY_VERSION, False),
                    match_id=NO_HIGHLIGHTS_ID,
                )
            ),
        )
        for match_id, body in ((UNDECODABLE_ID, tiny[:100]), (CHUNK_404_ID, None)):
            store.append_match(
                [],
                LandedFilm(
                    response("film_manifest", manifest(match_id, TINY_VERSION), match_id=match_id),
                    chunk(match_id, body),
                ),
            )
        store.append_match(
            [], LandedFilm(response("film_manifest", match_id=RELANDED_ID, http_status=404))
        )
        store.append_match(
            [],
            LandedFilm(
                response(
                    "film_manifest",
                    manifest(RELANDED_ID, TINY_VERSION),
                    match_id=RELANDED_ID,
                    fetched_at=FETCHED_AT.replace(day=2),
                ),
                chunk(RELANDED_ID, tiny),
            ),
        )
        store.append(
            [
                response("match_history", edge_history(), player_xuid=OWNER_XUID),
                response("user", {"xuid": int(OWNER_XUID), "gamertag": FETCHED_BY}),
                response(
                    "asset_map",
                    http_status=404,
                    request=f"{synthetic_id('map')}/{synthetic_id('map-version')}",
                ),
            ]
        )


# -- real dbt, in-process ------------------------------------------------------------------
def invoke_dbt(args: list[str], data_dir: DataDir, landing: bool) -> DbtResult:
    """One dbt command in this process, as the commands run it (shared_matches.dbt_session)."""
    return DbtSession(data_dir).run(args, landing=landing, check=False)


@dataclass(frozen=True)
class CompiledModel:
    name: str
    sql: str
    declared: dict[str, str]  # column -> data_type of the YAML


def compile_staging(data_dir: DataDir, landing: bool) -> dict[str, CompiledModel]:
    """The halo_api staging models as dbt compiles them (for the landing attached or not)."""
    result = invoke_dbt(["compile", "--select", STAGING_SELECTION], data_dir, landing)
    assert result.ok, result.summary()
    declared = staging_columns()
    return {
        node.name: CompiledModel(node.name, node.compiled_code or "", declared[node.name])
        for node in result.nodes
        if node.resource_type == "model"
    }


def staging_columns() -> dict[str, dict[str, str]]:
    """column -> data_type of each halo_api staging model, as its YAML declares them."""
    import yaml

    from shared_matches.paths import PROJECT_ROOT

    path = PROJECT_ROOT / "models" / "staging" / "halo_api" / "_halo_api__models.yml"
    document = yaml.safe_load(path.read_text())
    return {
        model["name"]: {c["name"]: c["data_type"] for c in model.get("columns", [])}
        for model in document["models"]
    }


@dataclass
class Relation:
    columns: list[str]
    types: list[str]
    rows: list[dict[str, Any]]


def load_seeds(con: duckdb.DuckDBPyConnection) -> None:
    """The seeds into scratch.main_reference, with their declared column types, as a build
    that selects them loads them."""
    import yaml

    from shared_matches.paths import PROJECT_ROOT

    seeds = PROJECT_ROOT / "seeds"
    con.execute("create schema if not exists scratch.main_reference")
    for seed in yaml.safe_load((seeds / "_seeds.yml").read_text())["seeds"]:
        types = seed["config"]["column_types"]
        con.execute(
            f'create table scratch.main_reference."{seed["name"]}" as '
            "select * from read_csv(?, header = true, columns = ?)",
            [str(seeds / f"{seed['name']}.csv"), types],
        )


def run_compiled(
    data_dir: DataDir, sql: str, staging: dict[str, CompiledModel] | None = None
) -> Relation:
    """Run compiled SQL on the warehouse, with the landing attached as `landing` when it exists
    and the staging models it reads created as views in an in-memory `scratch` database, as
    a dbt build creates them."""
    con = duckdb.connect()
    try:
        warehouse = str(data_dir.warehouse).replace("'", "''")
        con.execute(f"attach '{warehouse}' as shared_matches (read_only)")
        con.execute("use shared_matches")
        path = landing_path(data_dir)
        if path.is_file():
            quoted = str(path).replace("'", "''")
            con.execute(f"attach '{quoted}' as landing (read_only)")
        con.execute("attach ':memory:' as scratch")
        load_seeds(con)
        pending = dict(staging or {})
        while pending:  # in dependency order: a view whose inputs exist goes first
            for name, model in list(pending.items()):
                try:
                    con.execute(f'create view scratch.main."{name}" as {model.sql}')
                except duckdb.CatalogException:
                    continue
                del pending[name]
                break
            else:
                raise AssertionError(f"cannot create the staging views {sorted(pending)}")
        rel = con.sql(sql)
        columns = list(rel.columns)
        types = [str(t).lower() for t in rel.types]
        rows = [dict(zip(columns, row, strict=True)) for row in rel.fetchall()]
    finally:
        con.close()
    return Relation(columns, types, rows)


@dataclass
class Landed:
    """The session's data dir: recorded fixtures and edge cases landed, seed loaded."""

    data_dir: DataDir
    summary: RecordedLanding
    compiled: dict[str, CompiledModel]
    _cache: dict[str, Relation] = field(default_factory=dict)

    def relation(self, model: str) -> Relation:
        if model not in self._cache:
            self._cache[model] = run_compiled(
                self.data_dir, self.compiled[model].sql, self.compiled
            )
        return self._cache[model]

    def rows(self, model: str) -> list[dict[str, Any]]:
        return self.relation(model).rows


def build_landed(root: Path) -> Landed:
    data_dir = DataDir(root / "data")
    summary = land_recorded(data_dir, link_recorded(root), FETCHED_BY)
    land_edge_cases(data_dir)
    data_dir.warehouse_dir.mkdir(parents=True, exist_ok=True)
    return Landed(data_dir, summary, compile_staging(data_dir, landing=True))

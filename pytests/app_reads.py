"""The old app's read calls on a player DB, to run on a cleaned DB (no ATTACH) and on its backup.

The app is LevelUp (its v4 read code). Each entry of READS is our own statement of one read the
app makes on a player's ``stats.duckdb``, with a one-line comment naming the app function it
stands for; the parameters are built from the player's DB (``app_params``): a match of the
player, the owner's xuid, a teammate's xuid, the xuids of the match, the owner's gamertag.

Where they come from (42 read calls; a statement the app runs from several places is listed
once, each step of a multi-statement method separately):
- src/data/repositories/duckdb_repo.py, ``DuckDBRepository``: 30 calls, and 4 more of the
  same class after its split (src/data/repositories/_roster_loader.py, whose v4 fallbacks
  read the player DB's own tables). It connects with ``duckdb.connect(path, read_only=...)``
  (read-only by default), runs ``SET memory_limit`` and ``SET enable_object_cache``, keeps the
  connection for all its calls, and closes it and opens a new read-write one before writing
  its own tables (antagonists, mv_*): any ATTACH of the old connection is gone then. The UI's
  cached page functions make a new repository (a new connection) for each call.
- src/ui/cache.py (later src/ui/cache_loaders.py): 4 calls, each helper opening the file
  itself (``duckdb.connect(db_path, read_only=True)``), reading, closing; its highlight_events
  table check is the repository's statement, listed once (as is the ``has_table`` probe of
  src/ui/pages/match_view_players.py).
- src/ui/aliases.py: 2 calls (own read-only connection, closed after).
- src/utils/xuid.py ``resolve_xuid_from_db`` and scripts/sync.py ``_resolve_player_in_db``:
  1 call each, a gamertag looked up in xuid_aliases (own read-only connection).
Of the 42, 24 touch match_participants, highlight_events or xuid_aliases (17 of the
repository, 3 of src/ui/cache.py, 2 of src/ui/aliases.py, the 2 gamertag look-ups): 20 read
their rows (some joined with match_stats) and 4 look their names up in information_schema (a
view must be found there as the table was).

Not listed (they read none of the three tables, and their tables are not in the demo DBs, so
the app's own try/except turns them into empty answers before and after a cleanup alike):
``load_antagonists``, ``get_map_stats``, ``get_mode_category_stats``, ``get_global_stats``,
``get_session_stats``, ``has_materialized_views``, ``load_killer_victim_pairs_as_polars``,
``has_killer_victim_pairs``, ``load_personal_score_awards_as_polars``,
``has_personal_score_awards`` and the killer_victim_pairs read of ``load_match_rosters``
(only made when the table exists). ``load_match_player_gamertags``' xuid_aliases lookup is
only reached for xuids whose gamertag it already found empty, which it never keeps: dead.

The app's gamertag resolution (``resolve_gamertag``) stops at its first answer; here each of
its four statements is run for every xuid of the match, so every statement is checked.

The documented differences (docs/cleanup.md, "What the app sees differently", and its table
of the views: ``xuid_aliases`` gives every alias the warehouse knows) are applied explicitly
by ``build_expected_db``: a copy of the pre-cleanup backup whose three tables are
rewritten by those rules only, from every player's pre-cleanup copy. A cleaned DB must give,
for every call, exactly the rows the expected DB gives; the backup gives the rows the app saw
before (``documented_differences`` lists the calls where the rules change them).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

import app_reads_runner
from shared_matches.player_identity import read_player_xuid

THREE_TABLES = ("match_participants", "highlight_events", "xuid_aliases")
THIS_DUCKDB = duckdb.__version__
# the id a compatibility view gives an event: match number * block + rank (dbt var)
EVENT_ID_BLOCK = 1_000_000
PERFECT_MEDAL = 1512363953  # the medal count_perfect_kills_by_match counts
# what the repository runs on each connection it opens
REPOSITORY_SETUP = ("SET memory_limit = '512MB'", "SET enable_object_cache = true")
FIGURE = "app read calls that break on a cleaned DB with no attach: {broken} of {total}"

REPO = "src/data/repositories/duckdb_repo.py"
ROSTER = "src/data/repositories/_roster_loader.py"
UI_CACHE = "src/ui/cache.py"
UI_ALIASES = "src/ui/aliases.py"


@dataclass(frozen=True)
class AppParams:
    """The values the app passes, read from the player's pre-cleanup DB."""

    gamertag: str  # the owner's (the app finds data/players/<gamertag>/stats.duckdb by it)
    xuid: str  # the owner's
    match_id: str  # the match the app's match page shows
    teammate_xuid: str  # a player of that match on the owner's team
    match_xuids: tuple[str, ...]  # every xuid of the match (the roster the app resolves)
    match_ids: tuple[str, ...]  # the player's matches (the app's filtered match list)
    first_start: str
    last_start: str


Bind = Callable[[AppParams], list]


@dataclass(frozen=True)
class AppRead:
    """One read call of the app: our statement of it, and where it comes from."""

    name: str  # the app function (and step) it stands for
    source: str  # the app file
    sql: str  # "{match_ids}" stands for one placeholder per match of ``match_ids``
    bind: Bind = field(default=lambda p: [])
    touches: tuple[str, ...] = ()  # which of the three tables it reads, by rows or by name
    each: Callable[[AppParams], Iterable[Any]] | None = None  # repeated per item (bind gets it)
    order: tuple[int, ...] = ()  # output columns its ORDER BY sorts by

    def statements(self, params: AppParams) -> list[dict]:
        sql = self.sql.replace("{match_ids}", ", ".join("?" for _ in params.match_ids))
        if self.each is None:
            return [{"name": self.name, "sql": sql, "params": self.bind(params)}]
        return [
            {"name": f"{self.name} [{item}]", "sql": sql, "params": self.bind(params, item)}
            for item in self.each(params)
        ]


_MATCH_ROW = (
    "ms.match_id, ms.start_time, ms.map_id, ms.map_name, ms.playlist_id, ms.playlist_name, "
    "ms.pair_id, ms.pair_name, ms.game_variant_id, ms.game_variant_name, ms.outcome, "
    "ms.team_id, ms.kda, ms.max_killing_spree, ms.headshot_kills, ms.avg_life_seconds, "
    "ms.time_played_seconds, ms.kills, ms.deaths, ms.assists, ms.accuracy, "
    "ms.my_team_score, ms.enemy_team_score, "
    "coalesce(ms.team_mmr, pms.team_mmr) as team_mmr, "
    "coalesce(ms.enemy_mmr, pms.enemy_mmr) as enemy_mmr "
    "from match_stats as ms left join player_match_stats as pms on ms.match_id = pms.match_id"
)
_PROBE = "select table_name from information_schema.tables where table_schema = 'main' "

READS: tuple[AppRead, ...] = (
    # DuckDBRepository._build_mmr_fallback (and load_match_mmr_batch): is there a pms table?
    AppRead(
        "DuckDBRepository._build_mmr_fallback",
        REPO,
        _PROBE + "and table_name = 'player_match_stats'",
    ),
    # DuckDBRepository.load_matches: every match, oldest first, mmr from pms where missing
    AppRead(
        "DuckDBRepository.load_matches",
        REPO,
        f"select {_MATCH_ROW} order by ms.start_time",
        order=(1,),
    ),
    # DuckDBRepository.load_matches_in_range: the matches between two start times
    AppRead(
        "DuckDBRepository.load_matches_in_range",
        REPO,
        f"select {_MATCH_ROW} where ms.start_time >= ? and ms.start_time <= ? "
        "order by ms.start_time",
        bind=lambda p: [p.first_start, p.last_start],
        order=(1,),
    ),
    # DuckDBRepository.get_match_count
    AppRead("DuckDBRepository.get_match_count", REPO, "select count(*) from match_stats"),
    # DuckDBRepository.load_recent_matches: the 50 newest
    AppRead(
        "DuckDBRepository.load_recent_matches",
        REPO,
        f"select {_MATCH_ROW} order by ms.start_time desc limit 50",
        order=(1,),
    ),
    # DuckDBRepository.load_matches_paginated: page 1 of 50, newest first
    AppRead(
        "DuckDBRepository.load_matches_paginated",
        REPO,
        f"select {_MATCH_ROW} order by ms.start_time desc limit 50 offset 0",
        order=(1,),
    ),
    # DuckDBRepository.load_top_medals: has medals_earned any row?
    AppRead("DuckDBRepository.load_top_medals (count)", REPO, "select count(*) from medals_earned"),
    # DuckDBRepository.load_top_medals: the 25 most earned medals over the listed matches
    AppRead(
        "DuckDBRepository.load_top_medals",
        REPO,
        "select medal_name_id, sum(count) as total from medals_earned "
        "where match_id in ({match_ids}) group by medal_name_id order by total desc limit 25",
        bind=lambda p: list(p.match_ids),
        order=(1,),
    ),
    # DuckDBRepository.load_match_medals
    AppRead(
        "DuckDBRepository.load_match_medals",
        REPO,
        "select medal_name_id, count from medals_earned where match_id = ?",
        bind=lambda p: [p.match_id],
    ),
    # DuckDBRepository.count_medal_by_match (count_perfect_kills_by_match)
    AppRead(
        "DuckDBRepository.count_medal_by_match",
        REPO,
        "select match_id, count from medals_earned "
        "where match_id in ({match_ids}) and medal_name_id = ?",
        bind=lambda p: [*p.match_ids, PERFECT_MEDAL],
    ),
    # DuckDBRepository.load_first_event_times (also has_table('highlight_events') of the
    # match page, and the check of cached_load_highlight_events_for_match): the table there?
    AppRead(
        "DuckDBRepository.load_first_event_times (table check)",
        REPO,
        _PROBE + "and table_name = 'highlight_events'",
        touches=("highlight_events",),
    ),
    # DuckDBRepository.get_first_kill_death_times -> load_first_event_times('Kill')
    AppRead(
        "DuckDBRepository.load_first_event_times (kill)",
        REPO,
        "select match_id, min(time_ms) as first_time from highlight_events "
        "where match_id in ({match_ids}) and lower(event_type) = ? and xuid = ? "
        "group by match_id",
        bind=lambda p: [*p.match_ids, "kill", p.xuid],
        touches=("highlight_events",),
    ),
    # DuckDBRepository.get_first_kill_death_times -> load_first_event_times('Death')
    AppRead(
        "DuckDBRepository.load_first_event_times (death)",
        REPO,
        "select match_id, min(time_ms) as first_time from highlight_events "
        "where match_id in ({match_ids}) and lower(event_type) = ? and xuid = ? "
        "group by match_id",
        bind=lambda p: [*p.match_ids, "death", p.xuid],
        touches=("highlight_events",),
    ),
    # DuckDBRepository.list_top_teammates
    AppRead(
        "DuckDBRepository.list_top_teammates",
        REPO,
        "select teammate_xuid, matches_together from teammates_aggregate "
        "order by matches_together desc limit ?",
        bind=lambda p: [20],
        order=(1,),
    ),
    # DuckDBRepository.load_match_rosters: the owner's team in the match
    AppRead(
        "DuckDBRepository.load_match_rosters (team)",
        REPO,
        "select team_id from match_stats where match_id = ?",
        bind=lambda p: [p.match_id],
    ),
    # DuckDBRepository.load_match_rosters: is there a killer_victim_pairs table?
    AppRead(
        "DuckDBRepository.load_match_rosters (pairs check)",
        REPO,
        "select 1 from information_schema.tables "
        "where table_schema = 'main' and table_name = 'killer_victim_pairs'",
    ),
    # DuckDBRepository.load_match_rosters: each player of the match, their longest gamertag
    AppRead(
        "DuckDBRepository.load_match_rosters (players)",
        REPO,
        "select xuid, gamertag from ("
        "select xuid, gamertag, row_number() over ("
        "partition by xuid order by length(coalesce(gamertag, '')) desc) as rn "
        "from highlight_events where match_id = ? and xuid is not null and xuid != '') "
        "where rn = 1",
        bind=lambda p: [p.match_id],
        touches=("highlight_events",),
    ),
    # DuckDBRepository.load_match_rosters: the match's kills and deaths (teams from raw_json)
    AppRead(
        "DuckDBRepository.load_match_rosters (kills and deaths)",
        REPO,
        "select event_type, xuid, raw_json from highlight_events "
        "where match_id = ? and lower(event_type) in ('kill', 'death') "
        "and xuid is not null and xuid != ''",
        bind=lambda p: [p.match_id],
        touches=("highlight_events",),
    ),
    # DuckDBRepository._has_table('match_participants') (resolve_gamertag and others)
    AppRead(
        "DuckDBRepository._has_table",
        REPO,
        _PROBE + "and table_name = ?",
        bind=lambda p: ["match_participants"],
        touches=("match_participants",),
    ),
    # DuckDBRepository.resolve_gamertag step 1, for each xuid of the match (roster names)
    AppRead(
        "DuckDBRepository.resolve_gamertag (match_participants)",
        REPO,
        "select gamertag from match_participants where match_id = ? and xuid = ?",
        bind=lambda p, x: [p.match_id, x],
        touches=("match_participants",),
        each=lambda p: p.match_xuids,
    ),
    # DuckDBRepository.resolve_gamertag step 2
    AppRead(
        "DuckDBRepository.resolve_gamertag (xuid_aliases)",
        REPO,
        "select gamertag from xuid_aliases where xuid = ?",
        bind=lambda p, x: [x],
        touches=("xuid_aliases",),
        each=lambda p: p.match_xuids,
    ),
    # DuckDBRepository.resolve_gamertag step 3
    AppRead(
        "DuckDBRepository.resolve_gamertag (teammates_aggregate)",
        REPO,
        "select teammate_gamertag from teammates_aggregate where teammate_xuid = ?",
        bind=lambda p, x: [x],
        each=lambda p: p.match_xuids,
    ),
    # DuckDBRepository.resolve_gamertag step 4
    AppRead(
        "DuckDBRepository.resolve_gamertag (highlight_events)",
        REPO,
        "select gamertag from highlight_events where match_id = ? and xuid = ? limit 1",
        bind=lambda p, x: [p.match_id, x],
        touches=("highlight_events",),
        each=lambda p: p.match_xuids,
    ),
    # DuckDBRepository.load_matches_with_teammate: matches where both appear in the events
    AppRead(
        "DuckDBRepository.load_matches_with_teammate",
        REPO,
        "select distinct mine.match_id from highlight_events as mine "
        "inner join highlight_events as theirs on mine.match_id = theirs.match_id "
        "where mine.xuid = ? and theirs.xuid = ? order by mine.match_id desc",
        bind=lambda p: [p.xuid, p.teammate_xuid],
        touches=("highlight_events",),
        order=(0,),
    ),
    # DuckDBRepository.load_same_team_match_ids: matches on the same team (the roster)
    AppRead(
        "DuckDBRepository.load_same_team_match_ids",
        REPO,
        "select distinct mine.match_id from match_participants as mine "
        "inner join match_participants as theirs "
        "on mine.match_id = theirs.match_id and mine.team_id = theirs.team_id "
        "where mine.xuid = ? and theirs.xuid = ? order by mine.match_id desc",
        bind=lambda p: [p.xuid, p.teammate_xuid],
        touches=("match_participants",),
        order=(0,),
    ),
    # DuckDBRepository.load_same_team_match_ids fallback: match_stats x the events
    AppRead(
        "DuckDBRepository.load_same_team_match_ids (fallback)",
        REPO,
        "select distinct ms.match_id from match_stats as ms "
        "where ms.match_id in (select distinct match_id from highlight_events where xuid = ?) "
        "and ms.match_id in (select distinct match_id from highlight_events where xuid = ?) "
        "order by ms.match_id desc",
        bind=lambda p: [p.xuid, p.teammate_xuid],
        touches=("highlight_events",),
        order=(0,),
    ),
    # DuckDBRepository.get_storage_info: rows of teammates_aggregate
    AppRead("DuckDBRepository.get_storage_info", REPO, "select count(*) from teammates_aggregate"),
    # DuckDBRepository.load_match_mmr_batch (cached_load_player_match_result, one match)
    AppRead(
        "DuckDBRepository.load_match_mmr_batch",
        REPO,
        "select ms.match_id, coalesce(ms.team_mmr, pms.team_mmr) as team_mmr, "
        "coalesce(ms.enemy_mmr, pms.enemy_mmr) as enemy_mmr from match_stats as ms "
        "left join player_match_stats as pms on ms.match_id = pms.match_id "
        "where ms.match_id in (?)",
        bind=lambda p: [p.match_id],
    ),
    # DuckDBRepository.load_match_stats_as_polars
    AppRead(
        "DuckDBRepository.load_match_stats_as_polars",
        REPO,
        "select match_id, start_time, map_id, map_name, playlist_id, playlist_name, pair_id, "
        "pair_name, game_variant_id, game_variant_name, outcome, team_id, kills, deaths, "
        "assists, kda, accuracy, headshot_kills, max_killing_spree, time_played_seconds, "
        "avg_life_seconds, my_team_score, enemy_team_score, team_mmr, enemy_mmr "
        "from match_stats order by start_time",
        order=(1,),
    ),
    # DuckDBRepository.has_match_participants
    AppRead(
        "DuckDBRepository.has_match_participants",
        REPO,
        "select count(*) from match_participants",
        touches=("match_participants",),
    ),
    # load_match_player_gamertags (repository, v4 fallback): the roster's gamertags
    AppRead(
        "DuckDBRepository.load_match_player_gamertags (match_participants)",
        ROSTER,
        "select distinct xuid, gamertag from match_participants "
        "where match_id = ? and xuid is not null and gamertag is not null",
        bind=lambda p: [p.match_id],
        touches=("match_participants",),
    ),
    # load_match_player_gamertags (repository): completed from the events
    AppRead(
        "DuckDBRepository.load_match_player_gamertags (highlight_events)",
        ROSTER,
        "select distinct xuid, gamertag from highlight_events "
        "where match_id = ? and xuid is not null and gamertag is not null",
        bind=lambda p: [p.match_id],
        touches=("highlight_events",),
    ),
    # load_match_players_stats (repository, v4 fallback): _has_column for each column it wants
    AppRead(
        "DuckDBRepository._has_column",
        ROSTER,
        "select column_name from information_schema.columns "
        "where table_schema = 'main' and table_name = 'match_participants' and column_name = ?",
        bind=lambda p, column: [column],
        touches=("match_participants",),
        each=lambda p: ("rank", "score", "kills", "deaths", "assists"),
    ),
    # load_match_players_stats (repository, v4 fallback): the match's official stats
    AppRead(
        "DuckDBRepository.load_match_players_stats",
        ROSTER,
        "select xuid, gamertag, team_id, rank, score, kills, deaths, assists "
        "from match_participants where match_id = ? order by rank",
        bind=lambda p: [p.match_id],
        touches=("match_participants",),
        order=(3,),
    ),
    # cached_compute_sessions_db: the sessions stored in match_stats
    AppRead(
        "cached_compute_sessions_db",
        UI_CACHE,
        "select match_id, start_time, teammates_signature, session_id, session_label "
        "from match_stats where start_time is not null order by start_time",
        order=(1,),
    ),
    # cached_load_highlight_events_for_match: the match's events, in time order
    AppRead(
        "cached_load_highlight_events_for_match",
        UI_CACHE,
        "select event_type, time_ms, xuid, gamertag, type_hint, raw_json "
        "from highlight_events where match_id = ? order by time_ms",
        bind=lambda p: [p.match_id],
        touches=("highlight_events",),
        order=(1,),
    ),
    # cached_load_match_player_gamertags: the xuids of the match's events
    AppRead(
        "cached_load_match_player_gamertags",
        UI_CACHE,
        "select distinct xuid from highlight_events "
        "where match_id = ? and xuid is not null and xuid != ''",
        bind=lambda p: [p.match_id],
        touches=("highlight_events",),
    ),
    # cached_list_other_xuids: every other player the owner met
    AppRead(
        "cached_list_other_xuids",
        UI_CACHE,
        "select distinct xuid from xuid_aliases where xuid != ? limit 500",
        bind=lambda p: [p.xuid],
        touches=("xuid_aliases",),
    ),
    # _load_aliases_from_duckdb_cached: is there an xuid_aliases table (any schema)?
    AppRead(
        "_load_aliases_from_duckdb_cached (table check)",
        UI_ALIASES,
        "select table_name from information_schema.tables where table_name = 'xuid_aliases'",
        touches=("xuid_aliases",),
    ),
    # _load_aliases_from_duckdb_cached: every alias with a gamertag
    AppRead(
        "_load_aliases_from_duckdb_cached",
        UI_ALIASES,
        "select xuid, gamertag from xuid_aliases where gamertag is not null and gamertag != ''",
        touches=("xuid_aliases",),
    ),
    # resolve_xuid_from_db: a gamertag typed by the user -> its xuid
    AppRead(
        "resolve_xuid_from_db",
        "src/utils/xuid.py",
        "select xuid from xuid_aliases where lower(gamertag) = lower(?)",
        bind=lambda p: [p.gamertag],
        touches=("xuid_aliases",),
    ),
    # _resolve_player_in_db: the player named on the sync command line -> its xuid
    AppRead(
        "_resolve_player_in_db",
        "scripts/sync.py",
        "select xuid from xuid_aliases where lower(gamertag) = lower(?) limit 1",
        bind=lambda p: [p.gamertag],
        touches=("xuid_aliases",),
    ),
)


def touching_reads() -> list[AppRead]:
    """The reads that touch match_participants, highlight_events or xuid_aliases."""
    return [read for read in READS if read.touches]


# --- parameters -----------------------------------------------------------------------------


def _rows(path: Path, sql: str, params: Sequence = ()) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def owner_xuid(path: Path, label: str) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return read_player_xuid(con, label)
    finally:
        con.close()


def app_params(
    path: Path, gamertag: str, match_id: str | None = None, prefer_xuids: Sequence[str] = ()
) -> AppParams:
    """The app's parameters, read from a player DB that still holds its tables (a backup).

    Without ``match_id``: the player's match with events whose roster has a NULL gamertag
    (the app shows it with names missing), then the most players of ``prefer_xuids`` (say,
    the ones another copy knows under a newer gamertag), then the newest. The teammate: a
    player of that match on the owner's team, one of ``prefer_xuids`` first, else the
    smallest xuid."""
    xuid = owner_xuid(path, gamertag)
    prefer = list(prefer_xuids)
    matches = _rows(path, "select match_id, start_time from match_stats order by start_time")
    if match_id is None:
        candidates = _rows(
            path,
            "select ms.match_id from match_stats as ms "
            "where exists (select 1 from highlight_events as he where he.match_id = ms.match_id) "
            "order by exists (select 1 from match_participants as mp "
            "where mp.match_id = ms.match_id and mp.gamertag is null) desc, "
            "(select count(*) from match_participants as mp "
            "where mp.match_id = ms.match_id and list_contains(?, mp.xuid)) desc, "
            "ms.start_time desc limit 1",
            [prefer],
        )
        match_id = candidates[0][0]
    teammates = _rows(
        path,
        "select theirs.xuid from match_participants as mine "
        "join match_participants as theirs "
        "on mine.match_id = theirs.match_id and mine.team_id = theirs.team_id "
        "where mine.match_id = ? and mine.xuid = ? and theirs.xuid != ? "
        "order by list_contains(?, theirs.xuid) desc, theirs.xuid",
        [match_id, xuid, xuid, prefer],
    )
    if not teammates:
        raise AssertionError(f"{path}: match {match_id} has no teammate of the owner {xuid}")
    roster = _rows(
        path,
        "select xuid from match_participants where match_id = ? "
        "union select xuid from highlight_events where match_id = ? and xuid is not null "
        "order by 1",
        [match_id, match_id],
    )
    return AppParams(
        gamertag=gamertag,
        xuid=xuid,
        match_id=match_id,
        teammate_xuid=teammates[0][0],
        match_xuids=tuple(r[0] for r in roster),
        match_ids=tuple(r[0] for r in matches),
        first_start=matches[0][1].isoformat(sep=" "),
        last_start=matches[-1][1].isoformat(sep=" "),
    )


def statements(params: AppParams, reads: Sequence[AppRead] = READS) -> list[dict]:
    """Every statement of ``reads`` for these parameters, in order; each names its read."""
    out = []
    for read in reads:
        for statement in read.statements(params):
            out.append(statement | {"read": read.name})
    return out


# --- running them, in this DuckDB or another release -----------------------------------------


def job(
    db: Path,
    stmts: list[dict],
    *,
    read_only: bool = True,
    reopen: bool = False,
    setup: Sequence[str] = REPOSITORY_SETUP,
) -> dict:
    """A job for app_reads_runner: these statements on ``db``, opened as the app opens it."""
    return {
        "db": str(Path(db).resolve()),
        "read_only": read_only,
        "reopen": reopen,
        "setup": list(setup),
        "statements": [
            {"name": s["name"], "sql": s["sql"], "params": s["params"], "call": s["read"]}
            for s in stmts
        ],
    }


def run_jobs(version: str, jobs: list[dict]) -> list[dict]:
    """Run the jobs with DuckDB ``version``: this process's DuckDB, or another release's Python
    (pytests/other_duckdb.py). Results as app_reads_runner gives them (plain JSON)."""
    if version == THIS_DUCKDB:
        return json.loads(json.dumps([app_reads_runner.run_job(j) for j in jobs]))
    from other_duckdb import run_other

    with tempfile.TemporaryDirectory(prefix="app_reads_") as folder:
        spec = Path(folder) / "jobs.json"
        spec.write_text(json.dumps(jobs), encoding="utf-8")
        source = Path(app_reads_runner.__file__).read_text(encoding="utf-8")
        return run_other(version, source, str(spec))


# --- the expected DB: the backup with the documented differences applied ---------------------


@dataclass
class ExpectedModel:
    """What the documented rules changed in the expected DB against the backup."""

    path: Path
    owner_xuid: str
    filled_gamertags: int = 0  # participants' NULL gamertags filled from another copy
    completed_matches: list[str] = field(default_factory=list)  # events added from a copy
    added_participants: int = 0
    newer_aliases: int = 0  # aliases whose gamertag another copy saw later
    added_aliases: int = 0  # xuids only other copies knew
    renamed_xuids: list[str] = field(default_factory=list)  # the xuids of newer_aliases


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_catalog = "
            "current_database() and table_schema = 'main' and table_name = ? "
            "order by ordinal_position",
            [table],
        ).fetchall()
    ]


def _all_copies(table: str, copies: int) -> str:
    """The rows of ``table`` in the DB itself (copy 0) and in every attached copy."""
    parts = [f"select 0 as copy_no, * from main.{table}"]
    parts += [f"select {i} as copy_no, * from copy_{i}.main.{table}" for i in range(1, copies + 1)]
    return " union all by name ".join(parts)


def _refill(con: duckdb.DuckDBPyConnection, table: str, source: str) -> None:
    """Replace ``table``'s rows by ``source``'s, keeping the table's columns and types."""
    con.execute(f"create temp table shape_{table} as select * from main.{table} limit 0")
    con.execute(f"drop table main.{table}")
    con.execute(f"create table main.{table} as select * from shape_{table}")
    con.execute(f"insert into main.{table} by name select * from {source}")


def build_expected_db(
    backup: Path, gamertag: str, other_copies: Sequence[Path], target: Path
) -> ExpectedModel:
    """A copy of the player's pre-cleanup backup whose three tables hold what docs/cleanup.md
    says a cleaned DB shows, derived from every player's pre-cleanup copy (``other_copies``:
    the other tracked players' DBs as they were before their own cleanups). Each rule is one
    step below; a case the rules do not decide (copies that disagree) raises, naming it."""
    shutil.copyfile(backup, target)
    model = ExpectedModel(target, owner_xuid(backup, gamertag))
    con = duckdb.connect(str(target))
    try:
        for i, copy in enumerate(other_copies, start=1):
            con.execute(f"attach '{copy}' as copy_{i} (read_only)")
        n = len(other_copies)
        con.execute(
            "create temp table own_matches as select match_id, row_number() over "
            "(order by start_time, match_id) as match_number from main.match_stats"
        )
        _expected_participants(con, n, model)
        _expected_events(con, n, model)
        _expected_aliases(con, n, model)
        con.execute("checkpoint")
    finally:
        con.close()
    return model


def _expected_participants(con: duckdb.DuckDBPyConnection, n: int, model: ExpectedModel) -> None:
    # the roster of each of the player's matches: every (match, xuid) any copy has (a copy
    # that lacked a player comes back complete); each value the player's own, and where the
    # player's copy has NULL, the other copies' value ("filled from another copy")
    columns = _columns(con, "match_participants")
    values = [c for c in columns if c not in ("match_id", "xuid")]
    con.execute(f"create temp table mp_all as {_all_copies('match_participants', n)}")
    sides = ", ".join(
        f"max({c}) filter (where copy_no = 0) as {c}__own, "
        f"min({c}) filter (where copy_no > 0) as {c}__lo, "
        f"max({c}) filter (where copy_no > 0) as {c}__hi"
        for c in values
    )
    con.execute(
        f"create temp table mp_sides as select match_id, xuid, {sides}, "
        "bool_or(copy_no = 0) as in_own_copy from mp_all "
        "where match_id in (select match_id from own_matches) group by match_id, xuid"
    )
    # a value no rule decides: the player's copy has NULL and the others disagree; or the
    # player's value and another copy's differ (the gate refuses that without
    # --accept-warehouse-values, which these tests do not use)
    undecided = " or ".join(
        f"({c}__own is null and {c}__lo is distinct from {c}__hi) or ({c}__own is not null "
        f"and {c}__lo is not null and ({c}__lo != {c}__own or {c}__hi != {c}__own))"
        for c in values
    )
    bad = con.execute(f"select match_id, xuid from mp_sides where {undecided} limit 3").fetchall()
    if bad:
        raise AssertionError(f"participants whose copies disagree (no documented rule): {bad}")
    expected = ", ".join(f"coalesce({c}__own, {c}__lo) as {c}" for c in values)
    con.execute(
        f"create temp table mp_expected as select match_id, xuid, {expected}, in_own_copy, "
        "gamertag__own is null and gamertag__lo is not null as gamertag_filled from mp_sides"
    )
    model.filled_gamertags = con.execute(
        "select count(*) from mp_expected where gamertag_filled and in_own_copy"
    ).fetchone()[0]
    model.added_participants = con.execute(
        "select count(*) from mp_expected where not in_own_copy"
    ).fetchone()[0]
    _refill(con, "match_participants", f"(select {', '.join(columns)} from mp_expected)")


def _expected_events(con: duckdb.DuckDBPyConnection, n: int, model: ExpectedModel) -> None:
    # the events of each of the player's matches: per signature (type in lower case, time,
    # xuid, type hint, medal value), as many as the copy that has the most (an incomplete
    # copy comes back complete); the event type in this DB's own spelling; the id renumbered:
    # match number (start order) * block + rank in the match (time, then the rest of the key)
    con.execute(
        "create temp table he_all as select copy_no, match_id, lower(event_type) as type_key, "
        "time_ms, xuid, type_hint, "
        "try_cast(json_extract_string(raw_json, '$.medal_value') as integer) as medal_value, "
        "gamertag, raw_json, row_number() over (partition by copy_no, match_id, "
        "lower(event_type), time_ms, xuid, type_hint, "
        "try_cast(json_extract_string(raw_json, '$.medal_value') as integer) order by id) "
        f"as occurrence from ({_all_copies('highlight_events', n)})"
    )
    con.execute(
        "create temp table he_keys as select match_id, type_key, time_ms, xuid, type_hint, "
        "medal_value, occurrence, min(gamertag) as gamertag, "
        "coalesce(max(raw_json) filter (where copy_no = 0), min(raw_json)) as raw_json, "
        "count(distinct raw_json) > 1 as raw_json__undecided, "
        "bool_or(copy_no = 0) as in_own_copy from he_all "
        "where match_id in (select match_id from own_matches) "
        "group by match_id, type_key, time_ms, xuid, type_hint, medal_value, occurrence"
    )
    bad = con.execute(
        "select match_id, time_ms, xuid from he_keys where raw_json__undecided limit 3"
    ).fetchall()
    if bad:
        raise AssertionError(f"events whose copies' raw_json disagree (no documented rule): {bad}")
    model.completed_matches = [
        r[0]
        for r in con.execute(
            "select distinct match_id from he_keys where not in_own_copy order by 1"
        ).fetchall()
    ]
    con.execute(
        "create temp table spelling as select distinct lower(event_type) as type_key, "
        "event_type from main.highlight_events"
    )
    con.execute(
        "create temp table he_expected as select "
        f"own_matches.match_number * {EVENT_ID_BLOCK} + row_number() over ("
        "partition by he_keys.match_id order by he_keys.time_ms, he_keys.type_key, "
        "he_keys.xuid, he_keys.type_hint, he_keys.medal_value, he_keys.occurrence) as id, "
        "he_keys.match_id, coalesce(spelling.event_type, he_keys.type_key) as event_type, "
        "he_keys.time_ms, he_keys.xuid, he_keys.gamertag, he_keys.type_hint, he_keys.raw_json "
        "from he_keys join own_matches on he_keys.match_id = own_matches.match_id "
        "left join spelling on he_keys.type_key = spelling.type_key"
    )
    columns = _columns(con, "highlight_events")
    _refill(con, "highlight_events", f"(select {', '.join(columns)} from he_expected)")


def _expected_aliases(con: duckdb.DuckDBPyConnection, n: int, model: ExpectedModel) -> None:
    # every alias any copy has (the views' table in docs/cleanup.md: "every alias the
    # warehouse knows", so xuids the player never met too; the list of what the app sees
    # differently does not name it); per xuid, the copy's row with the latest last_seen
    # (then the latest updated_at, the greatest gamertag and source): "an alias newer"
    columns = _columns(con, "xuid_aliases")
    con.execute(
        f"create temp table xa_expected as select * from ({_all_copies('xuid_aliases', n)}) "
        "qualify row_number() over (partition by xuid order by last_seen desc nulls last, "
        "updated_at desc nulls last, gamertag desc nulls last, source desc nulls last) = 1"
    )
    model.renamed_xuids = [
        r[0]
        for r in con.execute(
            "select xuid from xa_expected join main.xuid_aliases as own using (xuid) "
            "where xa_expected.gamertag is distinct from own.gamertag order by xuid"
        ).fetchall()
    ]
    model.newer_aliases = len(model.renamed_xuids)
    model.added_aliases = con.execute(
        "select count(*) from xa_expected anti join main.xuid_aliases as own using (xuid)"
    ).fetchone()[0]
    _refill(con, "xuid_aliases", f"(select {', '.join(columns)} from xa_expected)")


# --- comparing ----------------------------------------------------------------------------


def _frozen(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


def compare_result(expected: dict, got: dict, order: tuple[int, ...] = ()) -> str | None:
    """None when ``got`` answers exactly as ``expected`` (the same rows, as a multiset, and
    the ORDER BY columns in the same sequence); else what differs."""
    if "error" in expected:
        return f"the expected DB fails too: {expected['error']}"
    if "error" in got:
        return got["error"]
    want = [_frozen(r) for r in expected["rows"]]
    have = [_frozen(r) for r in got["rows"]]
    missing, extra = Counter(want) - Counter(have), Counter(have) - Counter(want)
    if missing or extra:
        return (
            f"{len(want)} rows expected, {len(have)} given; missing e.g. "
            f"{list(missing)[:2]}, unexpected e.g. {list(extra)[:2]}"
        )
    if order and [[r[i] for i in order] for r in want] != [[r[i] for i in order] for r in have]:
        return f"rows not in ORDER BY order (columns {order})"
    return None


def compare_runs(
    stmts: list[dict], expected: dict, got: dict, reads: Sequence[AppRead] = READS
) -> dict[str, list[str]]:
    """Per read (by name), what differs between two runs of the same statements; a read
    absent from the answer gave exactly the expected rows for every statement."""
    by_name = {read.name: read for read in reads}
    problems: dict[str, list[str]] = {}
    pairs = zip(stmts, expected["results"], got["results"], strict=True)
    for statement, want, have in pairs:
        if want["name"] != statement["name"] or have["name"] != statement["name"]:
            raise AssertionError(f"results out of step at {statement['name']}")
        problem = compare_result(want, have, by_name[statement["read"]].order)
        if problem is not None:
            problems.setdefault(statement["read"], []).append(f"{statement['name']}: {problem}")
    return problems


def figure(broken: int, total: int) -> str:
    return FIGURE.format(broken=broken, total=total)


@dataclass
class PlayerReads:
    """The app's reads of one player, run on the backup, the expected DB and the cleaned DB."""

    version: str
    params: AppParams
    stmts: list[dict]
    backup: dict
    expected: dict
    cleaned: dict

    @property
    def broken(self) -> dict[str, list[str]]:
        return compare_runs(self.stmts, self.expected, self.cleaned)

    @property
    def documented_differences(self) -> dict[str, list[str]]:
        """The reads whose rows the documented rules change (backup vs expected)."""
        return compare_runs(self.stmts, self.backup, self.expected)


def read_player(
    version: str,
    params: AppParams,
    backup: Path,
    expected: Path,
    cleaned: Path,
    *,
    read_only: bool = True,
    reopen: bool = False,
) -> PlayerReads:
    """Every app read on the three files with DuckDB ``version`` (one process for the three)."""
    stmts = statements(params)
    runs = run_jobs(
        version,
        [
            job(backup, stmts),
            job(expected, stmts),
            job(cleaned, stmts, read_only=read_only, reopen=reopen),
        ],
    )
    return PlayerReads(version, params, stmts, *runs)


def breaking_reads_figure(
    gamertag: str,
    backup: Path,
    cleaned: Path,
    other_copies: Sequence[Path],
    version: str = THIS_DUCKDB,
) -> tuple[int, int, str]:
    """For a benchmark: (broken, total, the figure's sentence) for one cleaned player DB,
    opened with no ATTACH, against its pre-cleanup backup and the documented differences."""
    with tempfile.TemporaryDirectory(prefix="app_reads_expected_") as folder:
        model = build_expected_db(backup, gamertag, other_copies, Path(folder) / "stats.duckdb")
        params = app_params(backup, gamertag, prefer_xuids=model.renamed_xuids)
        reads = read_player(version, params, backup, model.path, cleaned)
        broken = len(reads.broken)
    return broken, len(READS), figure(broken, len(READS))

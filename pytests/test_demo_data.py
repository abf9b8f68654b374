"""The demo-data generator: shapes, overlaps and mess measured from the files it writes."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from shared_matches.commands import demo_data
from shared_matches.demo.generate import append_new_matches, generate_demo_data
from shared_matches.demo.players import DEFAULT_OVERLAPS, EXTRA_PLAYER_OVERLAP
from shared_matches.demo.pools import MEDALS
from shared_matches.demo.summary import DemoSummary
from shared_matches.paths import SEED_ORDER, DataDir, UserError
from shared_matches.v4_schema import REQUIRED_TABLES, column_names

PLAYERS = list(SEED_ORDER)
REFERENCE, MADINA, JGTM, XX = PLAYERS
RAW_JSON_KEYS = [
    "xuid",
    "gamertag",
    "type_hint",
    "is_medal",
    "event_type",
    "time_ms",
    "medal_value",
    "medal_name",
]
STAT_COLUMNS = [
    "kills",
    "deaths",
    "assists",
    "score",
    "shots_fired",
    "shots_hit",
    "damage_dealt",
    "damage_taken",
]
REGISTRY_COLUMNS = [
    "start_time",
    "playlist_id",
    "playlist_name",
    "map_id",
    "map_name",
    "pair_id",
    "pair_name",
    "game_variant_id",
    "game_variant_name",
]
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def generate(root: Path, **kwargs) -> DemoSummary:
    return generate_demo_data(DataDir(root), progress=False, **kwargs)


def alias(player: str) -> str:
    return "db_" + re.sub(r"\W", "_", player)


def attach_players(data_dir: DataDir, players: list[str]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for player in players:
        path = str(data_dir.player_db(player)).replace("'", "''")
        con.execute(f"attach '{path}' as {alias(player)} (read_only)")
    for table in ("match_stats", "match_participants", "highlight_events", "xuid_aliases"):
        union = " union all by name ".join(
            f"select '{p}' as player, * from {alias(p)}.{table}" for p in players
        )
        con.execute(f"create temp view all_{table} as {union}")
    return con


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params=None):
    return con.execute(sql, params or {}).fetchone()[0]


def owner_xuid(con: duckdb.DuckDBPyConnection, player: str) -> str:
    return scalar(con, f"select any_value(xuid) from {alias(player)}.player_match_stats")


@pytest.fixture(scope="session")
def small_set(tmp_path_factory) -> tuple[DataDir, DemoSummary]:
    root = tmp_path_factory.mktemp("demo_small")
    return DataDir(root), generate(root, matches=60, seed=7)


@pytest.fixture(scope="session")
def con(small_set) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = attach_players(small_set[0], PLAYERS)
    yield connection
    connection.close()


def test_overlaps_come_out_as_specified(small_set, con):
    _, summary = small_set
    n_ref = scalar(con, f"select count(*) from {alias(REFERENCE)}.match_stats")
    assert n_ref == 60
    extras = []
    for player in PLAYERS[1:]:
        db = alias(player)
        total = scalar(con, f"select count(*) from {db}.match_stats")
        shared = scalar(
            con,
            f"select count(*) from {db}.match_stats where match_id in "
            f"(select match_id from {alias(REFERENCE)}.match_stats)",
        )
        assert 0.9 * n_ref <= total <= n_ref, player
        assert abs(shared / total - DEFAULT_OVERLAPS[player]) <= 0.5 / total + 1e-9, player
        extras.append(total - shared)
    unique = scalar(con, "select count(distinct match_id) from all_match_stats")
    # the matches not shared with the reference overlap each other as much as possible
    assert unique == n_ref + max(extras)
    assert summary.unique_matches == unique
    assert summary.copies == scalar(con, "select count(*) from all_match_stats")


def test_rosters_are_humans_in_realistic_teams(con):
    assert scalar(con, "select count(*) from all_match_stats") > 0
    for match_id, xuid in con.execute(
        "select match_id, xuid from all_match_participants"
    ).fetchall():
        assert GUID.match(match_id)
        assert re.fullmatch(r"253[35]\d{12}", xuid)
    shapes = con.execute(
        f"""
        select match_id, count(*) as humans, count(distinct team_id) as teams,
            max(team_id) as top_team, max(per_team) as biggest_team,
        from (
            select *, count(*) over (partition by team_id, match_id) as per_team
            from {alias(REFERENCE)}.match_participants
        )
        group by match_id
        """
    ).fetchall()
    kinds = set()
    for _, humans, teams, top_team, biggest in shapes:
        if teams == 2:
            assert (humans, top_team, biggest) in {(8, 1, 4), (24, 1, 12)}
            kinds.add(humans)
        else:  # free-for-all: everyone on their own team 0..n-1
            assert (teams, top_team, biggest) == (humans, humans - 1, 1)
            kinds.add("ffa")
    assert kinds == {8, 24, "ffa"}
    for player in PLAYERS:
        missing_owner = scalar(
            con,
            f"select count(*) from {alias(player)}.match_stats ms where not exists ("
            f"select 1 from {alias(player)}.match_participants mp "
            "where mp.match_id = ms.match_id and mp.xuid = $xuid)",
            {"xuid": owner_xuid(con, player)},
        )
        assert missing_owner == 0, player
    span = con.execute(
        "select max(start_time) - min(start_time), "
        "min(epoch(end_time - start_time)), max(epoch(end_time - start_time)) "
        f"from {alias(REFERENCE)}.match_stats"
    ).fetchone()
    assert span[0].days > 365
    assert 300 <= span[1] and span[2] <= 900


def test_event_shapes(con):
    per_match = con.execute(
        "select min(n), max(n) from (select player, match_id, count(*) as n "
        "from all_highlight_events group by all)"
    ).fetchone()
    assert 200 <= per_match[0] and per_match[1] <= 650
    hints = dict(
        con.execute(
            "select lower(event_type), list(distinct type_hint) "
            "from all_highlight_events group by all"
        ).fetchall()
    )
    assert set(hints) == {"kill", "death", "medal", "mode"}
    assert hints["kill"] == [50] and hints["death"] == [20] and hints["mode"] == [10]
    assert set(hints["medal"]) <= {m[0] for m in MEDALS} and len(hints["medal"]) > 2
    # every kill row pairs with a death row 0..5 ms later (paired in time order)
    pairs = con.execute(
        """
        with kills as (
            select player, match_id, time_ms,
                row_number() over (partition by player, match_id order by time_ms) as n
            from all_highlight_events where lower(event_type) = 'kill'
        ),
        deaths as (
            select player, match_id, time_ms,
                row_number() over (partition by player, match_id order by time_ms) as n
            from all_highlight_events where lower(event_type) = 'death'
        )
        select count(*), count(kills.time_ms), count(deaths.time_ms),
            min(deaths.time_ms - kills.time_ms), max(deaths.time_ms - kills.time_ms),
            count(*) filter (where deaths.time_ms <> kills.time_ms)
        from kills full join deaths using (player, match_id, n)
        """
    ).fetchone()
    total, with_kill, with_death, lowest, highest, apart = pairs
    assert total == with_kill == with_death > 0
    assert (lowest, highest) == (0, 5)
    assert apart > 0
    rows = con.execute(
        "select xuid, gamertag, type_hint, event_type, time_ms, raw_json "
        f"from {alias(REFERENCE)}.highlight_events"
    ).fetchall()
    for xuid, gamertag, type_hint, event_type, time_ms, raw_json in rows:
        raw = json.loads(raw_json)
        assert list(raw) == RAW_JSON_KEYS
        assert (str(raw["xuid"]), raw["gamertag"], raw["type_hint"]) == (
            xuid,
            gamertag,
            type_hint,
        )
        assert (raw["event_type"], raw["time_ms"]) == (event_type, time_ms)
        assert raw["is_medal"] == (event_type == "medal")
        assert (raw["medal_name"] is not None) == (event_type == "medal")


def test_kill_and_death_rows_match_the_roster(con):
    for player in PLAYERS:
        db = alias(player)
        checked, wrong = con.execute(
            f"""
            with tallies as (
                select match_id, xuid,
                    count(*) filter (where lower(event_type) = 'kill') as kill_rows,
                    count(*) filter (where lower(event_type) = 'death') as death_rows,
                from {db}.highlight_events
                group by all
            )
            select count(*), count(*) filter (
                where coalesce(kill_rows, 0) <> kills or coalesce(death_rows, 0) <> deaths
            )
            from {db}.match_participants
            left join tallies using (match_id, xuid)
            where kills is not null
                and match_id in (select match_id from {db}.highlight_events)
            """
        ).fetchone()
        assert checked > 0 and wrong == 0, player


def test_identical_rows_inside_a_copy_exist_and_are_shared(con):
    matches = scalar(con, f"select count(*) from {alias(REFERENCE)}.match_stats")
    repeated = con.execute(
        f"""
        select match_id, event_type, time_ms, xuid, type_hint, raw_json, count(*) as copies
        from {alias(REFERENCE)}.highlight_events
        group by all
        having count(*) > 1
        """
    ).fetchall()
    assert len({row[0] for row in repeated}) >= max(1, 0.01 * matches)
    # the repeat is in the match itself: every complete copy of it has it too
    in_xx = con.execute(
        f"""
        select match_id, event_type, time_ms, xuid, type_hint, raw_json, count(*) as copies
        from {alias(XX)}.highlight_events
        group by all
        having count(*) > 1
        """
    ).fetchall()
    xx_matches = {
        r[0] for r in con.execute(f"select match_id from {alias(XX)}.match_stats").fetchall()
    }
    assert {r for r in repeated if r[0] in xx_matches} == set(in_xx)


def test_legacy_layout(con):
    db = alias(JGTM)
    for table in REQUIRED_TABLES:
        cols = [
            r[0]
            for r in con.execute(
                "select column_name from duckdb_columns() where database_name = $db "
                "and table_name = $t order by column_index",
                {"db": db, "t": table},
            ).fetchall()
        ]
        assert cols == column_names(table, legacy=True), table
    assert "end_time" not in column_names("match_stats", legacy=True)
    medal_types = dict(
        con.execute(
            "select database_name, data_type from duckdb_columns() "
            "where table_name = 'medals_earned' and column_name = 'medal_name_id'"
        ).fetchall()
    )
    assert medal_types[db] == "INTEGER"
    assert medal_types[alias(REFERENCE)] == "BIGINT"
    big = f"select count(*) from {{}}.medals_earned where medal_name_id > {2**31 - 1}"
    assert scalar(con, big.format(alias(REFERENCE))) > 0
    assert scalar(con, f"select count(*) from {db}.medals_earned") > 0
    types = {
        r[0]
        for r in con.execute(f"select distinct event_type from {db}.highlight_events").fetchall()
    }
    assert types == {"Kill", "Death", "Medal", "Mode"}
    types = {
        r[0]
        for r in con.execute(
            f"select distinct event_type from {alias(XX)}.highlight_events"
        ).fetchall()
    }
    assert types == {"kill", "death", "medal", "mode"}
    meta = {
        p: dict(con.execute(f"select key, value from {alias(p)}.sync_meta").fetchall())
        for p in PLAYERS
    }
    assert "xuid" not in meta[JGTM] and meta[JGTM]["gamertag"] == JGTM
    for player in (REFERENCE, MADINA, XX):
        assert meta[player]["gamertag"] == player
        assert meta[player]["xuid"] == owner_xuid(con, player)


def test_medals_earned_are_the_owner_medal_events(con):
    name_ids = {name: name_id for _, _, name, name_id, _ in MEDALS}
    for player in (REFERENCE, JGTM):
        db = alias(player)
        from_events: dict[tuple[str, int], int] = {}
        for match_id, name, n in con.execute(
            f"select match_id, raw_json ->> 'medal_name', count(*) from {db}.highlight_events "
            "where lower(event_type) = 'medal' and xuid = $xuid group by all",
            {"xuid": owner_xuid(con, player)},
        ).fetchall():
            if player != JGTM or name_ids[name] < 2**31:
                from_events[(match_id, name_ids[name])] = n
        stored = {
            (m, i): n for m, i, n in con.execute(f"select * from {db}.medals_earned").fetchall()
        }
        assert stored == from_events, player


def test_incomplete_copies_are_complete_elsewhere(con):
    db = alias(MADINA)
    total = scalar(con, f"select count(*) from {db}.match_stats")
    without_events = [
        r[0]
        for r in con.execute(
            f"select match_id from {db}.match_stats where match_id not in "
            f"(select match_id from {db}.highlight_events)"
        ).fetchall()
    ]
    assert 0.05 * total <= len(without_events) <= 0.15 * total
    for match_id in without_events:
        assert scalar(
            con,
            "select count(*) from all_highlight_events where match_id = $m",
            {"m": match_id},
        ), match_id
    null_matches = scalar(
        con, f"select count(distinct match_id) from {db}.match_participants where kills is null"
    )
    assert 0.05 * total <= null_matches <= 0.15 * total
    for column in STAT_COLUMNS + ["gamertag"]:
        nulls, filled_elsewhere = con.execute(
            f"""
            select count(*), count(*) filter (where exists (
                select 1 from all_match_participants other
                where other.player <> $player and other.match_id = mine.match_id
                    and other.xuid = mine.xuid and other.{column} is not null
            ))
            from {db}.match_participants mine where mine.{column} is null
            """,
            {"player": MADINA},
        ).fetchone()
        assert nulls > 0 and nulls == filled_elsewhere, column
    assert scalar(con, f"select avg((gamertag is null)::int) from {db}.match_participants") > 0.2
    for player in (REFERENCE, JGTM, XX):  # the others' copies are complete
        assert not scalar(
            con,
            f"select count(*) from {alias(player)}.match_participants "
            "where kills is null or gamertag is null",
        )
        assert not scalar(
            con,
            f"select count(*) from {alias(player)}.match_stats where match_id not in "
            f"(select match_id from {alias(player)}.highlight_events)",
        )


def test_every_copy_of_a_match_is_the_same_match(con):
    ref, xx, jg = alias(REFERENCE), alias(XX), alias(JGTM)
    shared = f"(select match_id from {ref}.match_stats)"
    roster_cols = ", ".join(column_names("match_participants", legacy=True))
    for other in (xx, jg):
        diff = scalar(
            con,
            f"""select count(*) from (
                (select {roster_cols} from {ref}.match_participants
                 where match_id in (select match_id from {other}.match_stats)
                 except all select {roster_cols} from {other}.match_participants)
                union all
                (select {roster_cols} from {other}.match_participants
                 where match_id in {shared}
                 except all select {roster_cols} from {ref}.match_participants)
            )""",
        )
        assert diff == 0, other
        event_cols = "match_id, lower(event_type), time_ms, xuid, gamertag, type_hint, raw_json"
        diff = scalar(
            con,
            f"""select count(*) from (
                (select {event_cols} from {ref}.highlight_events
                 where match_id in (select match_id from {other}.match_stats)
                 except all select {event_cols} from {other}.highlight_events)
                union all
                (select {event_cols} from {other}.highlight_events where match_id in {shared}
                 except all select {event_cols} from {ref}.highlight_events)
            )""",
        )
        assert diff == 0, other
    registry = " and ".join(f"a.{c} = b.{c}" for c in REGISTRY_COLUMNS)
    same, synced_apart, ids_apart, total = con.execute(
        f"""
        select count(*) filter (where {registry}),
            count(*) filter (where a.created_at <> b.created_at),
            (select count(*) from {ref}.highlight_events e1 join {xx}.highlight_events e2
                using (id) where e1.match_id <> e2.match_id or e1.time_ms <> e2.time_ms),
            count(*)
        from {ref}.match_stats a join {xx}.match_stats b using (match_id)
        """
    ).fetchone()
    assert same == total > 0
    assert synced_apart == total
    assert ids_apart > 0  # each DB numbers its own events


def test_owner_stats_agree_with_roster_and_team_scores(con):
    for player in PLAYERS:
        db = alias(player)
        checked, wrong = con.execute(
            f"""
            with team_scores as (
                select player, match_id, team_id, sum(score) as team_score
                from all_match_participants
                where player <> '{MADINA}'
                group by all
            ),
            best_score as (
                select distinct match_id, team_id, team_score from team_scores
            ),
            rivals as (
                select own.match_id, own.team_id, own.team_score,
                    max(rival.team_score) as enemy_score
                from best_score own join best_score rival
                    on own.match_id = rival.match_id and own.team_id <> rival.team_id
                group by all
            )
            select count(*), count(*) filter (where not (
                ms.team_id = mp.team_id and ms.outcome = mp.outcome
                and ms.kills = coalesce(mp.kills, ms.kills)
                and ms.deaths = coalesce(mp.deaths, ms.deaths)
                and ms.assists = coalesce(mp.assists, ms.assists)
                and ms.my_team_score = rivals.team_score
                and ms.enemy_team_score = rivals.enemy_score
                and ms.outcome = case
                    when ms.outcome = 4 then 4
                    when ms.my_team_score > ms.enemy_team_score then 2
                    when ms.my_team_score = ms.enemy_team_score then 1
                    else 3 end
                and pms.xuid = mp.xuid and pms.team_id = ms.team_id
            ))
            from {db}.match_stats ms
            join {db}.player_match_stats pms using (match_id)
            join {db}.match_participants mp on mp.match_id = ms.match_id and mp.xuid = $xuid
            join rivals on rivals.match_id = ms.match_id and rivals.team_id = ms.team_id
            """,
            {"xuid": owner_xuid(con, player)},
        ).fetchone()
        assert checked > 0.8 * scalar(con, f"select count(*) from {db}.match_stats")
        assert wrong == 0, player


def test_gamertag_changes_disagree_between_players(con):
    conflicts = con.execute(
        """
        select xuid,
            list({'player': player, 'gamertag': gamertag, 'last_seen': last_seen, 'source': source})
        from all_xuid_aliases
        group by xuid
        having count(distinct gamertag) > 1
        """
    ).fetchall()
    assert len(conflicts) >= 5
    newer_before_older = newest_seen_last = False
    order = {p: i for i, p in enumerate(PLAYERS)}
    for xuid, rows in conflicts:
        latest = max(row["last_seen"] for row in rows)
        newest = {(row["gamertag"], row["source"]) for row in rows if row["last_seen"] == latest}
        assert len(newest) == 1, xuid  # the latest last_seen holds one name
        ((newest_name, source),) = newest
        holders = [row["player"] for row in rows if row["gamertag"] == newest_name]
        older = [row for row in rows if row["gamertag"] != newest_name]
        assert all(row["last_seen"] < latest for row in older), xuid
        if source == "match":  # it is the name of the latest match the xuid played
            assert newest_name == scalar(
                con,
                "select arg_max(mp.gamertag, ms.start_time) from all_match_participants mp "
                "join all_match_stats ms using (player, match_id) "
                "where mp.xuid = $x and mp.gamertag is not null",
                {"x": xuid},
            ), xuid
        if min(order[p] for p in holders) < max(order[row["player"]] for row in older):
            newer_before_older = True  # "last migrated wins" would pick the old name
        if XX in holders:
            newest_seen_last = True  # "first migrated wins" would pick the old name
    assert newer_before_older and newest_seen_last


def table_contents(root: Path, players: list[str]) -> dict[str, list]:
    con = attach_players(DataDir(root), players)
    found = {}
    for player in players:
        for table in REQUIRED_TABLES + ("teammates_aggregate", "sessions"):
            found[f"{player}.{table}"] = con.execute(
                f"select * from {alias(player)}.{table} order by all"
            ).fetchall()
    con.close()
    return found


def test_same_seed_same_contents(tmp_path):
    generate(tmp_path / "a", matches=25, seed=11)
    generate(tmp_path / "b", matches=25, seed=11)
    generate(tmp_path / "c", players=[REFERENCE], matches=25, seed=12)
    first = table_contents(tmp_path / "a", PLAYERS)
    assert all(first.values())
    assert table_contents(tmp_path / "b", PLAYERS) == first
    other_seed = table_contents(tmp_path / "c", [REFERENCE])
    assert other_seed[f"{REFERENCE}.match_stats"] != first[f"{REFERENCE}.match_stats"]


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir")
    demo_data.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_with_a_spaced_gamertag_and_overlaps(tmp_path, capsys):
    code = run_cli(
        [
            "--data-dir",
            str(tmp_path),
            "demo-data",
            "--players",
            "Chocoboflor, aCurtis X89,Extra Player",
            "--matches",
            "40",
            "--overlap",
            "aCurtis X89=0.8",
            "--seed",
            "3",
            "--quiet",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    data_dir = DataDir(tmp_path)
    players = ["Chocoboflor", "aCurtis X89", "Extra Player"]
    assert data_dir.discover_players() == players
    con = attach_players(data_dir, players)
    for player, expected in (("aCurtis X89", 0.8), ("Extra Player", EXTRA_PLAYER_OVERLAP)):
        total, shared = con.execute(
            f"select count(*), count(*) filter (where match_id in "
            f"(select match_id from {alias(REFERENCE)}.match_stats)) "
            f"from {alias(player)}.match_stats"
        ).fetchone()
        assert abs(shared / total - expected) <= 0.5 / total + 1e-9
        meta = dict(con.execute(f"select key, value from {alias(player)}.sync_meta").fetchall())
        assert meta["gamertag"] == player
        assert f"{player} " in out
    copies = scalar(con, "select count(*) from all_match_stats")
    events = scalar(con, "select count(*) from all_highlight_events")
    con.close()
    assert "unique matches" in out and str(copies) in out and str(events) in out
    assert "MiB" in out


def test_refuses_to_overwrite_without_force(tmp_path):
    players = ["Chocoboflor", "JGtm"]
    generate(tmp_path, players=players, matches=10, seed=1)
    db = DataDir(tmp_path).player_db("JGtm")
    before = (db.stat().st_mtime_ns, db.read_bytes())
    with pytest.raises(UserError, match="--force"):
        generate(tmp_path, players=players, matches=10, seed=2)
    assert (db.stat().st_mtime_ns, db.read_bytes()) == before
    with pytest.raises(UserError, match="--force"):
        run_cli(["--data-dir", str(tmp_path), "demo-data", "--players", "JGtm", "--quiet"])
    generate(tmp_path, players=players, matches=10, seed=2, force=True)
    assert db.read_bytes() != before[1]
    leftovers = [p.name for p in tmp_path.rglob("*") if p.is_file() and p.name != "stats.duckdb"]
    assert leftovers == []


def test_a_failed_run_publishes_nothing(tmp_path):
    data_dir = DataDir(tmp_path)
    data_dir.players_dir.mkdir(parents=True)
    (data_dir.players_dir / "JGtm").write_text("not a folder")
    with pytest.raises(UserError, match="JGtm"):
        generate(tmp_path, matches=10, seed=1)
    assert data_dir.discover_players() == []
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["JGtm"]


def test_bad_options_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="not generated"):
        generate(tmp_path, overlaps={"Nobody": 0.5})
    with pytest.raises(UserError, match="between 0 and 1"):
        generate(tmp_path, overlaps={"JGtm": 1.5})
    with pytest.raises(UserError, match="twice"):
        generate(tmp_path, players=["JGtm", "jgtm"])
    with pytest.raises(UserError, match="NAME=FRACTION"):
        run_cli(["--data-dir", str(tmp_path), "demo-data", "--overlap", "JGtm"])
    assert not DataDir(tmp_path).players_dir.exists()


def test_append_new_matches(tmp_path):
    data_dir = DataDir(tmp_path)
    generate(tmp_path, players=["Chocoboflor", "JGtm"], matches=20, seed=5)
    for player, kill in (("JGtm", "Kill"), ("Chocoboflor", "kill")):
        path = data_dir.player_db(player)
        before = duckdb.connect(str(path), read_only=True)
        old_ids = {r[0] for r in before.execute("select match_id from match_stats").fetchall()}
        old_latest = scalar(before, "select max(start_time) from match_stats")
        old_events = scalar(before, "select count(*) from highlight_events")
        xuid = scalar(before, "select any_value(xuid) from player_match_stats")
        before.close()

        new_ids = append_new_matches(data_dir, player, 6, seed=9)
        assert len(set(new_ids)) == 6 and not set(new_ids) & old_ids

        db = duckdb.connect(str(path))
        new = "(select unnest($ids))"
        params = {"ids": new_ids}
        assert scalar(db, f"select count(*) from match_stats where match_id in {new}", params) == 6
        assert (
            scalar(db, f"select min(start_time) from match_stats where match_id in {new}", params)
            > old_latest
        )
        assert (
            scalar(
                db,
                f"select count(*) from player_match_stats where match_id in {new} and xuid = $x",
                {**params, "x": xuid},
            )
            == 6
        )
        assert (
            scalar(
                db,
                f"select count(distinct match_id) from match_participants "
                f"where match_id in {new} and xuid = $x",
                {**params, "x": xuid},
            )
            == 6
        )
        low, high, kills = db.execute(
            f"select min(n), max(n), sum(k) from (select match_id, count(*) as n, "
            f"count(*) filter (where event_type = '{kill}') as k from highlight_events "
            f"where match_id in {new} group by all)",
            params,
        ).fetchone()
        assert 200 <= low and high <= 650
        assert kills == scalar(
            db, f"select sum(kills) from match_participants where match_id in {new}", params
        )
        stale = scalar(
            db,
            "select count(*) from match_participants mp join match_stats ms using (match_id) "
            f"where match_id in {new} and not exists (select 1 from xuid_aliases a "
            "where a.xuid = mp.xuid and a.gamertag = mp.gamertag and a.last_seen >= ms.start_time)",
            params,
        )
        assert stale == 0
        assert scalar(db, f"select count(*) from medals_earned where match_id in {new}", params)
        total = scalar(db, "select count(*) from highlight_events")
        assert total > old_events
        assert scalar(db, "select count(distinct id) from highlight_events") == total
        assert scalar(db, "select max(id) from highlight_events") == total
        assert scalar(db, "select nextval('highlight_events_id_seq')") == total + 1
        assert scalar(db, "select sum(match_count) from sessions") == len(old_ids) + 6
        db.close()


def test_default_set_size_and_speed(tmp_path):
    summary = generate(tmp_path)
    assert summary.seconds < 60
    con = attach_players(DataDir(tmp_path), PLAYERS)
    counts = {p.gamertag: (p.matches, p.participants, p.events) for p in summary.players}
    for player in PLAYERS:
        db = alias(player)
        assert counts[player] == tuple(
            scalar(con, f"select count(*) from {db}.{t}")
            for t in ("match_stats", "match_participants", "highlight_events")
        )
    assert counts[REFERENCE][0] == 1000
    assert 3800 <= summary.copies <= 4000
    assert 1200 <= summary.unique_matches <= 1300
    assert summary.size_bytes == sum(DataDir(tmp_path).player_db(p).stat().st_size for p in PLAYERS)
    for player in PLAYERS:  # compact files: sizes measure data, not free blocks
        total_blocks, free_blocks = con.execute(
            "select total_blocks, free_blocks from pragma_database_size() "
            "where database_name = $db",
            {"db": alias(player)},
        ).fetchone()
        assert free_blocks <= 0.05 * total_blocks, player
    con.close()


def test_append_refuses_a_db_whose_tables_became_views(tmp_path):
    data_dir = DataDir(tmp_path)
    generate(tmp_path, players=["Chocoboflor"], matches=5, seed=4)
    db = duckdb.connect(str(data_dir.player_db("Chocoboflor")))
    db.execute("create table events_kept as select * from highlight_events")
    db.execute("drop table highlight_events")
    db.execute("create view highlight_events as select * from events_kept")
    before = scalar(db, "select count(*) from match_stats")
    db.close()
    with pytest.raises(UserError, match="highlight_events"):
        append_new_matches(data_dir, "Chocoboflor", 3, seed=1)
    with pytest.raises(UserError, match="No player DB"):
        append_new_matches(data_dir, "Nobody", 3, seed=1)
    db = duckdb.connect(str(data_dir.player_db("Chocoboflor")), read_only=True)
    assert scalar(db, "select count(*) from match_stats") == before
    db.close()

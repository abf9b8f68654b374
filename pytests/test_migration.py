"""Phases 1 and 2 end to end, on generated player DBs and real dbt runs."""

from __future__ import annotations

import multiprocessing
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from helpers import (
    SHARED_TABLES,
    copy_data_dir,
    copy_players,
    dbt,
    failed_nodes,
    quiet,
    scalar,
    table_contents,
)
from shared_matches.locking import warehouse_lock
from shared_matches.migrate import UP_TO_DATE, migrate_players
from shared_matches.paths import SEED_ORDER, DataDir, UserError
from shared_matches.player_identity import read_player_xuid


def test_plan_order_then_the_rest_alphabetically(migrated: DataDir) -> None:
    players = migrated.discover_players()
    assert players[: len(SEED_ORDER)] == list(SEED_ORDER)


def test_registry_holds_every_match_of_every_player(migrated: DataDir) -> None:
    wh = migrated.warehouse
    all_ids: set[str] = set()
    for gamertag in migrated.discover_players():
        con = duckdb.connect(str(migrated.player_db(gamertag)), read_only=True)
        ids = {r[0] for r in con.execute("select match_id from match_stats").fetchall()}
        con.close()
        all_ids |= ids
    registry = {r[0] for r in table_contents(wh, "(select match_id from match_registry)")}
    assert registry == all_ids


def test_player_count_is_the_number_of_copies(migrated: DataDir) -> None:
    copies: dict[str, int] = {}
    for gamertag in migrated.discover_players():
        con = duckdb.connect(str(migrated.player_db(gamertag)), read_only=True)
        for (match_id,) in con.execute("select match_id from match_stats").fetchall():
            copies[match_id] = copies.get(match_id, 0) + 1
        con.close()
    rows = table_contents(migrated.warehouse, "(select match_id, player_count from match_registry)")
    assert dict(rows) == copies
    assert max(copies.values()) > 1  # the demo set really shares matches


def test_events_keep_max_multiplicity_and_drop_cross_player_duplicates(
    migrated: DataDir,
) -> None:
    """Per match and signature, the warehouse holds the largest count any one copy has."""
    expected: dict[tuple, int] = {}
    for gamertag in migrated.discover_players():
        con = duckdb.connect(str(migrated.player_db(gamertag)), read_only=True)
        rows = con.execute(
            """
            select match_id, lower(event_type), time_ms, xuid, type_hint,
                   try_cast(json_extract_string(raw_json, '$.medal_value') as integer),
                   count(*)
            from highlight_events group by all
            """
        ).fetchall()
        con.close()
        for *signature, count in rows:
            key = tuple(signature)
            expected[key] = max(expected.get(key, 0), count)
    con = duckdb.connect(str(migrated.warehouse), read_only=True)
    actual = {
        tuple(sig): count
        for *sig, count in con.execute(
            "select match_id, event_type, time_ms, xuid, type_hint, medal_value, count(*) "
            "from highlight_events group by all"
        ).fetchall()
    }
    con.close()
    assert actual == expected
    assert any(count > 1 for count in expected.values())  # legitimate repeats exist


def test_legacy_layout_is_read_and_normalised(migrated: DataDir) -> None:
    jgtm = migrated.player_db("JGtm")
    columns = {
        r[0]
        for r in duckdb.connect(str(jgtm), read_only=True)
        .execute("select column_name from duckdb_columns() where table_name = 'match_stats'")
        .fetchall()
    }
    assert "end_time" not in columns  # the demo really holds an older-layout DB
    assert (
        scalar(
            migrated.warehouse,
            "select count(*) from highlight_events where event_type <> lower(event_type)",
        )
        == 0
    )
    jgtm_matches = scalar(
        migrated.warehouse,
        "select count(*) from match_players where player_gamertag = 'JGtm'",
    )
    assert jgtm_matches == scalar(jgtm, "select count(*) from match_stats")


def test_incomplete_copies_are_filled_from_other_copies(migrated: DataDir) -> None:
    """A NULL in one player's copy never wins over a value in another copy."""
    madina = migrated.player_db("Madina97294")
    con = duckdb.connect(str(migrated.warehouse), read_only=True)
    con.execute(f"attach '{madina}' as madina (read_only)")
    null_in_copy_but_known = con.execute(
        """
        select count(*)
        from madina.match_participants as p
        inner join match_participants as w using (match_id, xuid)
        where p.kills is null and w.kills is not null
        """
    ).fetchone()[0]
    lost = con.execute(
        """
        select count(*)
        from madina.match_participants as p
        inner join match_participants as w using (match_id, xuid)
        where p.kills is not null and w.kills is null
        """
    ).fetchone()[0]
    con.close()
    assert null_in_copy_but_known > 0
    assert lost == 0


def test_rerunning_a_player_changes_nothing(migrated: DataDir, tmp_path: Path) -> None:
    data_dir = copy_data_dir(migrated, tmp_path)
    before = {t: table_contents(data_dir.warehouse, t) for t in SHARED_TABLES}
    [run] = migrate_players(data_dir, ["Madina97294"], say=quiet)
    assert run.status == UP_TO_DATE  # an unchanged DB: no dbt run at all
    [run] = migrate_players(data_dir, ["Madina97294"], say=quiet, reprocess=True)
    assert run.status != UP_TO_DATE  # merged again, every match
    after = {t: table_contents(data_dir.warehouse, t) for t in SHARED_TABLES}
    assert after == before


def test_any_order_gives_the_same_tables(
    migrated: DataDir, small_players_dir: Path, tmp_path: Path
) -> None:
    reversed_dir = copy_players(small_players_dir, tmp_path)
    order = list(reversed(migrated.discover_players()))
    for gamertag in order:  # one run per player, last plan player first
        migrate_players(reversed_dir, [gamertag], say=quiet)
    for table in SHARED_TABLES:
        assert table_contents(reversed_dir.warehouse, table) == table_contents(
            migrated.warehouse, table
        ), table


def test_checklist_fails_when_a_row_is_lost(migrated: DataDir, tmp_path: Path) -> None:
    data_dir = copy_data_dir(migrated, tmp_path)
    ok = dbt(data_dir, ["build", "--selector", "checklist_phase2"], player="Chocoboflor")
    assert ok.ok, ok.summary()
    con = duckdb.connect(str(data_dir.warehouse))
    chocoboflor_match = (
        "select match_id from match_players where player_gamertag = 'Chocoboflor' "
        "and match_id in (select match_id from highlight_events) limit 1"
    )
    con.execute(
        "delete from match_participants where match_id = "
        f"({chocoboflor_match}) and xuid = (select min(xuid) from match_participants "
        f"where match_id = ({chocoboflor_match}))"
    )
    con.execute(
        "delete from highlight_events where rowid = (select min(rowid) "
        f"from highlight_events where match_id = ({chocoboflor_match}))"
    )
    con.close()
    # the checklist checks every match of the player (no batch: nothing was merged)
    result = dbt(data_dir, ["build", "--selector", "checklist_phase2"], player="Chocoboflor")
    assert not result.ok
    assert {"assert_no_participant_lost", "assert_no_event_lost"} <= failed_nodes(result)
    # `dbt test` alone cannot build the player's staging views: it fails, saying so
    alone = dbt(data_dir, ["test", "--selector", "checklist_phase2"], player="Chocoboflor")
    assert not alone.ok and "`dbt build --selector checklist_phase2`" in alone.summary()


def test_a_checklist_with_nothing_to_compare_fails(migrated: DataDir, tmp_path: Path) -> None:
    """No player named: the no-loss tests must not pass on nothing; they say how to name one."""
    data_dir = copy_data_dir(migrated, tmp_path)
    result = dbt(data_dir, ["build", "--selector", "checklist_phase2"])
    assert not result.ok
    assert {"assert_no_event_lost", "assert_no_participant_lost"} <= failed_nodes(result)
    assert "No player DB attached, so this check would compare nothing" in result.summary()
    assert "--vars '{player: <gamertag>}'" in result.summary()


def test_key_tests_pass_and_catch_a_duplicate(migrated: DataDir, tmp_path: Path) -> None:
    """The YAML key tests of the shared tables (run by `dbt test`; a phase build relies on the
    checklist's assert_no_duplicate_keys instead) pass; both catch a duplicate key."""
    data_dir = copy_data_dir(migrated, tmp_path)
    keys = ["test", "--select", "test_type:generic,path:models/shared"]
    clean = dbt(data_dir, keys)
    assert clean.ok, clean.summary()
    assert "unique_xuid_aliases_xuid" in {n.name for n in clean.nodes}
    con = duckdb.connect(str(data_dir.warehouse))
    # a copy without the primary key, to let a duplicate in
    con.execute("create table aliases_unkeyed as select * from xuid_aliases")
    con.execute("drop table xuid_aliases")
    con.execute("alter table aliases_unkeyed rename to xuid_aliases")
    con.execute("insert into xuid_aliases select * from xuid_aliases limit 1")
    # highlight_events has no index at all: a duplicate event goes in as easily
    con.execute("insert into highlight_events select * from highlight_events limit 1")
    con.close()
    generic = dbt(data_dir, keys)
    assert "unique_xuid_aliases_xuid" in failed_nodes(generic)
    events_key = [n for n in failed_nodes(generic) if n.startswith("unique_combination_highlight")]
    assert events_key, failed_nodes(generic)
    checklist = dbt(data_dir, ["build", "--selector", "checklist_phase2"], player="Chocoboflor")
    assert "assert_no_duplicate_keys" in failed_nodes(checklist)


def test_phase1_creates_empty_tables_and_passes_its_checklist(tmp_path: Path) -> None:
    data_dir = DataDir(tmp_path)  # a fresh data dir: not even the warehouse folder
    built = dbt(data_dir, ["build", "--selector", "phase1"])
    assert built.ok, built.summary()
    for table in SHARED_TABLES:
        assert scalar(data_dir.warehouse, f"select count(*) from {table}") == 0
    assert dbt(data_dir, ["test", "--selector", "checklist_phase1"]).ok
    # the dbt unit tests (merge rules, event keys, player_count) need the tables to exist
    units = dbt(data_dir, ["test", "--select", "test_type:unit"])
    assert units.ok, units.summary()
    assert len([n for n in units.nodes if n.resource_type == "unit_test"]) >= 5
    # an index the project does not declare fails the checklist
    con = duckdb.connect(str(data_dir.warehouse))
    con.execute("create index stray_idx on highlight_events (match_id)")
    con.close()
    failed = dbt(data_dir, ["test", "--selector", "checklist_phase1"])
    assert "assert_shared_indexes_as_declared" in failed_nodes(failed)


def test_a_failed_model_publishes_nothing(migrated: DataDir, tmp_path: Path) -> None:
    """Write-audit-publish: one shared model failing (a value that does not cast) leaves
    every shared table exactly as it was, although the other models staged their rows."""
    from shared_matches.demo.generate import append_new_matches

    data_dir = copy_data_dir(migrated, tmp_path)
    new_ids = append_new_matches(data_dir, "Chocoboflor", 2, seed=11)
    before = {t: table_contents(data_dir.warehouse, t) for t in SHARED_TABLES}
    con = duckdb.connect(str(data_dir.player_db("Chocoboflor")))
    con.execute("alter table medals_earned alter column count set data type varchar")
    con.execute("update medals_earned set count = 'many' where match_id = ?", [new_ids[0]])
    con.close()
    with pytest.raises(UserError, match="phase-2 build failed"):
        migrate_players(data_dir, ["Chocoboflor"], say=quiet)
    assert {t: table_contents(data_dir.warehouse, t) for t in SHARED_TABLES} == before


def test_a_failure_at_publish_publishes_nothing(migrated: DataDir, tmp_path: Path) -> None:
    """The batches are published in one transaction: a row the last table refuses (a match
    without start_time: match_registry.start_time is NOT NULL) leaves every table as it was."""
    from shared_matches.demo.generate import append_new_matches

    data_dir = copy_data_dir(migrated, tmp_path)
    new_ids = append_new_matches(data_dir, "Chocoboflor", 2, seed=12)
    before = {t: table_contents(data_dir.warehouse, t) for t in SHARED_TABLES}
    con = duckdb.connect(str(data_dir.player_db("Chocoboflor")))
    con.execute("update match_stats set start_time = null where match_id = ?", [new_ids[0]])
    con.close()
    with pytest.raises(UserError, match="start_time"):
        migrate_players(data_dir, ["Chocoboflor"], say=quiet)
    assert {t: table_contents(data_dir.warehouse, t) for t in SHARED_TABLES} == before


def test_missing_player_is_a_clear_error(migrated: DataDir) -> None:
    with pytest.raises(UserError, match="No player DB for 'Nobody'"):
        migrate_players(migrated, ["Nobody"], say=quiet)
    plain = dbt(migrated, ["build", "--selector", "phase2"], player="Nobody")
    assert not plain.ok
    assert f"{migrated.player_db('Nobody')} does not exist" in plain.summary()
    assert "Traceback" not in plain.summary()


def test_gamertag_with_spaces_capitals_and_digits(migrated: DataDir, tmp_path: Path) -> None:
    """'aCurtis X89' is a folder name with a space: attach, staging and merge all work."""
    data_dir = DataDir(tmp_path)
    shutil.copytree(migrated.warehouse_dir, data_dir.warehouse_dir)
    target = data_dir.player_db("aCurtis X89")
    target.parent.mkdir(parents=True)
    shutil.copy(migrated.player_db("xxdameongamerxx"), target)
    con = duckdb.connect(str(target))
    con.execute("update sync_meta set value = 'aCurtis X89' where key = 'gamertag'")
    con.execute("update sync_meta set value = '2533274000000089' where key = 'xuid'")
    con.close()
    runs = migrate_players(data_dir, ["aCurtis X89"], say=quiet)
    assert runs[0].known_matches == runs[0].matches > 0
    copies = scalar(
        data_dir.warehouse,
        "select count(*) from match_players where player_gamertag = 'aCurtis X89'",
    )
    assert copies == runs[0].matches


def test_missing_required_column_names_file_and_column(
    small_players_dir: Path, tmp_path: Path
) -> None:
    data_dir = DataDir(tmp_path)
    target = _player_copy(
        small_players_dir,
        data_dir,
        "Chocoboflor",
        "alter table match_participants drop column kills",
    )
    with pytest.raises(UserError) as error:
        migrate_players(data_dir, ["Chocoboflor"], say=quiet)
    assert str(target) in str(error.value)
    assert "kills" in str(error.value)


def test_owner_without_xuid_is_a_clear_error(small_players_dir: Path, tmp_path: Path) -> None:
    data_dir = DataDir(tmp_path)
    _player_copy(
        small_players_dir,
        data_dir,
        "JGtm",
        "delete from sync_meta where key = 'xuid'",
        "update player_match_stats set xuid = null",
    )
    with pytest.raises(UserError, match="no owner xuid"):
        migrate_players(data_dir, ["JGtm"], say=quiet)


def _player_copy(small_players_dir: Path, data_dir: DataDir, player: str, *sql: str) -> Path:
    """A copy of a small demo player's DB in `data_dir`, changed by `sql`."""
    target = data_dir.player_db(player)
    target.parent.mkdir(parents=True)
    shutil.copy(small_players_dir / player / "stats.duckdb", target)
    con = duckdb.connect(str(target))
    for statement in sql:
        con.execute(statement)
    con.close()
    return target


def test_an_empty_sync_meta_xuid_is_no_xuid_on_both_sides(
    small_players_dir: Path, tmp_path: Path
) -> None:
    """The owner rule is one SQL text (macro owner_xuid_rule) that the commands and dbt both
    run: an empty sync_meta xuid falls back to player_match_stats for both (taking '' as the
    owner would merge the copies under the source player_db: and an empty player_xuid)."""
    data_dir = DataDir(tmp_path)
    target = _player_copy(
        small_players_dir,
        data_dir,
        "Chocoboflor",
        "update sync_meta set value = '' where key = 'xuid'",
    )
    stats_xuid = scalar(target, "select any_value(xuid) from player_match_stats")
    con = duckdb.connect(str(target), read_only=True)
    assert read_player_xuid(con, "Chocoboflor") == stats_xuid
    con.close()
    migrate_players(data_dir, ["Chocoboflor"], say=quiet)
    sources = scalar(
        data_dir.warehouse, "select list(source_id order by source_id) from merged_sources"
    )
    assert sources == [f"player_db:{stats_xuid}"]
    owners = scalar(data_dir.warehouse, "select list(distinct player_xuid) from match_players")
    assert owners == [stats_xuid]


def test_dbt_alone_refuses_a_db_with_several_owner_xuids(
    small_players_dir: Path, tmp_path: Path
) -> None:
    """Plain dbt (no command before it) applies the same rule and stops, naming the file."""
    data_dir = DataDir(tmp_path)
    target = _player_copy(
        small_players_dir,
        data_dir,
        "JGtm",
        "delete from sync_meta where key = 'xuid'",
        "update player_match_stats set xuid = '2533274000000001' where rowid % 2 = 0",
    )
    assert dbt(data_dir, ["build", "--selector", "phase1"]).ok
    result = dbt(data_dir, ["build", "--selector", "phase2"], player="JGtm")
    assert not result.ok
    assert "holds several xuids; cannot tell whose" in result.summary()
    assert str(target) in result.summary()
    con = duckdb.connect(str(target), read_only=True)
    with pytest.raises(UserError, match="holds several xuids; cannot tell whose"):
        read_player_xuid(con, "JGtm")
    con.close()


def _hold_read_write(path: str, ready, release) -> None:
    con = duckdb.connect(path)
    ready.set()
    release.wait(60)
    con.close()


def test_locked_player_db_leaves_the_warehouse_as_it_was(migrated: DataDir, tmp_path: Path) -> None:
    data_dir = copy_data_dir(migrated, tmp_path)
    before = {t: table_contents(data_dir.warehouse, t) for t in SHARED_TABLES}
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    path = str(data_dir.player_db("JGtm"))
    holder = ctx.Process(target=_hold_read_write, args=(path, ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        with pytest.raises(UserError) as error:
            migrate_players(data_dir, ["JGtm"], say=quiet)
    finally:
        release.set()
        holder.join(30)
    assert path in str(error.value) and "locked" in str(error.value)
    assert {t: table_contents(data_dir.warehouse, t) for t in SHARED_TABLES} == before


def _hold_warehouse_lock(root: str, ready, seconds: float) -> None:
    with warehouse_lock(DataDir(Path(root)), "test holder"):
        ready.set()
        time.sleep(seconds)


def test_second_migration_waits_then_gives_up_clearly(migrated: DataDir, tmp_path: Path) -> None:
    data_dir = DataDir(tmp_path)
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_warehouse_lock, args=(str(tmp_path), ready, 5.0))
    holder.start()
    try:
        assert ready.wait(30)
        said: list[str] = []
        with pytest.raises(UserError, match="busy"):
            with warehouse_lock(data_dir, "second", timeout=1.0):
                said.append("got the lock")
        assert not said
    finally:
        holder.join(30)
    with warehouse_lock(data_dir, "third", timeout=1.0):  # free again once the first ends
        pass


def test_incremental_run_merges_only_new_or_changed_copies(
    migrated: DataDir, tmp_path: Path
) -> None:
    from shared_matches.demo.generate import append_new_matches

    data_dir = copy_data_dir(migrated, tmp_path)
    new_ids = set(append_new_matches(data_dir, "Chocoboflor", 3, seed=7))
    con = duckdb.connect(str(data_dir.player_db("Chocoboflor")))
    bumped = con.execute(
        "update match_stats set updated_at = updated_at + interval 1 day "
        "where match_id = (select min(match_id) from match_stats) returning match_id"
    ).fetchone()[0]
    con.close()
    [run] = migrate_players(data_dir, ["Chocoboflor"], say=quiet)
    assert run.new_matches == len(new_ids)
    merged = scalar(
        data_dir.warehouse,
        "select matches_merged from merged_sources where player_gamertag = 'Chocoboflor'",
    )
    assert merged == len(new_ids | {bumped})  # the batch: the new copies and the changed one
    counts = dict(
        table_contents(
            data_dir.warehouse,
            "(select match_id, count(*) from highlight_events group by match_id)",
        )
    )
    assert all(counts.get(match_id, 0) > 0 for match_id in new_ids)
    checked = dbt(data_dir, ["build", "--selector", "checklist_phase2"], player="Chocoboflor")
    assert checked.ok, checked.summary()


def test_rows_the_merge_cannot_take_are_counted_and_named(
    migrated: DataDir, tmp_path: Path
) -> None:
    """A roster row without xuid, an event without match_id, a match held twice by a table
    without primary key: the run names them, records them in merged_sources, merges the rest,
    and running again changes nothing (the same match is not merged again and again)."""
    data_dir = copy_data_dir(migrated, tmp_path)
    path = data_dir.player_db("Madina97294")
    con = duckdb.connect(str(path))
    match_id = con.execute("select min(match_id) from match_stats").fetchone()[0]
    # the keys and NOT NULLs of this DB would refuse such rows: an older DB has none
    for table in ("match_stats", "match_participants"):
        con.execute(f"create table {table}_copy as select * from {table}")
        con.execute(f"drop table {table}")
        con.execute(f"alter table {table}_copy rename to {table}")
    con.execute(
        "insert into match_participants (match_id, xuid, team_id) values (?, null, 0)", [match_id]
    )
    con.execute(
        "insert into highlight_events (match_id, event_type, time_ms) values (null, 'kill', 5)"
    )
    con.execute(
        "insert into match_stats select * replace (updated_at - interval 1 day as updated_at) "
        "from match_stats where match_id = ?",
        [match_id],
    )
    con.close()
    said: list[str] = []
    [run] = migrate_players(data_dir, ["Madina97294"], say=said.append)
    assert run.rows_rejected == 3
    text = "\n".join(said)
    assert "3 row(s) of the DB could not be merged" in text
    assert f"match_participants: no xuid ({match_id} / ?)" in text
    assert "highlight_events: no match_id" in text
    assert (
        f"match_stats: match_id held 2 times (the latest updated row is merged) ({match_id})"
        in text
    )
    before = {t: table_contents(data_dir.warehouse, t) for t in SHARED_TABLES}
    [again] = migrate_players(data_dir, ["Madina97294"], say=quiet, reprocess=True)
    assert again.rows_rejected == 3
    assert {t: table_contents(data_dir.warehouse, t) for t in SHARED_TABLES} == before
    merged = scalar(
        data_dir.warehouse,
        "select matches_merged from merged_sources where player_gamertag = 'Madina97294'",
    )
    assert merged == scalar(path, "select count(distinct match_id) from match_stats")

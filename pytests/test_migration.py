"""Phases 1 and 2 end to end, on generated player DBs and real dbt runs."""

from __future__ import annotations

import multiprocessing
import shutil
import time
from pathlib import Path

import duckdb
import pytest
from shared_matches.dbt_runner import run_dbt

from helpers import SHARED_TABLES, copy_players, quiet, scalar, table_contents
from shared_matches.locking import warehouse_lock
from shared_matches.migrate import migrate_players
from shared_matches.paths import SEED_ORDER, DataDir, UserError


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
    data_dir = DataDir(tmp_path)
    shutil.copytree(migrated.players_dir, data_dir.players_dir)
    shutil.copytree(migrated.warehouse_dir, data_dir.warehouse_dir)
    before = {t: table_contents(data_dir.warehouse, t) for t in SHARED_TABLES}
    migrate_players(data_dir, ["Madina97294"], say=quiet)
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
    data_dir = DataDir(tmp_path)
    shutil.copytree(migrated.players_dir, data_dir.players_dir)
    shutil.copytree(migrated.warehouse_dir, data_dir.warehouse_dir)
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
        "delete from highlight_events where event_key = (select min(event_key) "
        f"from highlight_events where match_id = ({chocoboflor_match}))"
    )
    # an empty last batch: a check limited to it would find nothing
    con.execute("delete from main_run.int_matches_changed")
    con.close()
    result = run_dbt(
        ["test", "--selector", "checklist_phase2"], data_dir, player="Chocoboflor", check=False
    )
    assert not result.ok
    assert "assert_no_participant_lost" in result.output
    assert "assert_no_event_lost" in result.output
    # built alone (as the cleanup gate does), the checklist checks every match too; only in
    # the build that makes int_matches_changed does it check that run's batch
    gate = run_dbt(
        ["build", "--select", "tag:checklist_phase2"], data_dir, player="Chocoboflor", check=False
    )
    assert not gate.ok
    assert "assert_no_participant_lost" in gate.output
    assert "assert_no_event_lost" in gate.output


def test_key_tests_pass_and_catch_a_duplicate(migrated: DataDir, tmp_path: Path) -> None:
    """The YAML key tests (run by `dbt test`; a phase build relies on the checklist's
    assert_no_duplicate_keys instead) pass on the warehouse; both catch a duplicate key."""
    data_dir = DataDir(tmp_path)
    shutil.copytree(migrated.players_dir, data_dir.players_dir)
    shutil.copytree(migrated.warehouse_dir, data_dir.warehouse_dir)
    clean = run_dbt(["test", "--select", "test_type:generic"], data_dir)
    assert "unique_xuid_aliases_xuid" in clean.output and "FAIL" not in clean.output
    con = duckdb.connect(str(data_dir.warehouse))
    # a copy without the primary key, to let a duplicate in
    con.execute("create table aliases_unkeyed as select * from xuid_aliases")
    con.execute("drop table xuid_aliases")
    con.execute("alter table aliases_unkeyed rename to xuid_aliases")
    con.execute("insert into xuid_aliases select * from xuid_aliases limit 1")
    con.close()
    generic = run_dbt(["test", "--select", "test_type:generic"], data_dir, check=False)
    assert not generic.ok and "unique_xuid_aliases_xuid" in generic.output
    checklist = run_dbt(
        ["test", "--selector", "checklist_phase2"], data_dir, player="Chocoboflor", check=False
    )
    assert not checklist.ok and "assert_no_duplicate_keys" in checklist.output


def test_phase1_creates_empty_tables_and_passes_its_checklist(tmp_path: Path) -> None:
    data_dir = DataDir(tmp_path)
    data_dir.warehouse_dir.mkdir(parents=True)
    run_dbt(["build", "--selector", "phase1"], data_dir)
    for table in SHARED_TABLES:
        assert scalar(data_dir.warehouse, f"select count(*) from {table}") == 0
    run_dbt(["test", "--selector", "checklist_phase1"], data_dir)
    # the dbt unit tests (merge rules, event keys, player_count) need the tables to exist
    units = run_dbt(["test", "--select", "test_type:unit"], data_dir)
    assert "PASS=" in units.output and " 0 unit tests" not in units.output
    con = duckdb.connect(str(data_dir.warehouse))
    con.execute("drop index match_registry__player_count_idx")
    con.close()
    failed = run_dbt(["test", "--selector", "checklist_phase1"], data_dir, check=False)
    assert not failed.ok and "assert_shared_indexes_exist" in failed.output


def test_missing_player_is_a_clear_error(migrated: DataDir) -> None:
    with pytest.raises(UserError, match="No player DB for 'Nobody'"):
        migrate_players(migrated, ["Nobody"], say=quiet)
    plain = run_dbt(["build", "--selector", "phase2"], migrated, player="Nobody", check=False)
    assert not plain.ok
    assert f"{migrated.player_db('Nobody')} does not exist" in plain.output
    assert "Traceback" not in plain.output


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
    target = data_dir.player_db("Chocoboflor")
    target.parent.mkdir(parents=True)
    shutil.copy(small_players_dir / "Chocoboflor" / "stats.duckdb", target)
    con = duckdb.connect(str(target))
    con.execute("alter table match_participants drop column kills")
    con.close()
    with pytest.raises(UserError) as error:
        migrate_players(data_dir, ["Chocoboflor"], say=quiet)
    assert str(target) in str(error.value)
    assert "kills" in str(error.value)


def test_owner_without_xuid_is_a_clear_error(small_players_dir: Path, tmp_path: Path) -> None:
    data_dir = DataDir(tmp_path)
    target = data_dir.player_db("JGtm")
    target.parent.mkdir(parents=True)
    shutil.copy(small_players_dir / "JGtm" / "stats.duckdb", target)
    con = duckdb.connect(str(target))
    con.execute("delete from sync_meta where key = 'xuid'")
    con.execute("update player_match_stats set xuid = null")
    con.close()
    with pytest.raises(UserError, match="has no owner xuid"):
        migrate_players(data_dir, ["JGtm"], say=quiet)


def _hold_read_write(path: str, ready, release) -> None:
    con = duckdb.connect(path)
    ready.set()
    release.wait(60)
    con.close()


def test_locked_player_db_leaves_the_warehouse_as_it_was(migrated: DataDir, tmp_path: Path) -> None:
    data_dir = DataDir(tmp_path)
    shutil.copytree(migrated.players_dir, data_dir.players_dir)
    shutil.copytree(migrated.warehouse_dir, data_dir.warehouse_dir)
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
    from shared_matches.demo_data import append_new_matches

    data_dir = DataDir(tmp_path)
    shutil.copytree(migrated.players_dir, data_dir.players_dir)
    shutil.copytree(migrated.warehouse_dir, data_dir.warehouse_dir)
    new_ids = set(append_new_matches(data_dir, "Chocoboflor", 3, seed=7))
    con = duckdb.connect(str(data_dir.player_db("Chocoboflor")))
    bumped = con.execute(
        "update match_stats set updated_at = updated_at + interval 1 day "
        "where match_id = (select min(match_id) from match_stats) returning match_id"
    ).fetchone()[0]
    con.close()
    migrate_players(data_dir, ["Chocoboflor"], say=quiet)
    processed = {r[0] for r in table_contents(data_dir.warehouse, "main_run.int_matches_changed")}
    assert processed == new_ids | {bumped}
    counts = dict(
        table_contents(
            data_dir.warehouse,
            "(select match_id, count(*) from highlight_events group by match_id)",
        )
    )
    assert all(counts.get(match_id, 0) > 0 for match_id in new_ids)
    run_dbt(["test", "--selector", "checklist_phase2"], data_dir, player="Chocoboflor")

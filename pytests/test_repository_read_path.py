"""Phase 4, the read path: PlayerRepository on the migrated small demo set (the cleaned state
is covered in test_cleanup_phase5.py, which compares both states). Real files, no mocks."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from helpers import quiet, rows
from shared_matches.migrate import migrate_players
from shared_matches.paths import DataDir, UserError
from shared_matches.read_layer import layer_dir
from shared_matches.repository import PlayerRepository


@pytest.fixture(scope="module")
def data_dir(migrated: DataDir, tmp_path_factory: pytest.TempPathFactory) -> DataDir:
    """A copy of the migrated set that these tests may lock and write."""
    root = tmp_path_factory.mktemp("read_path")
    shutil.copytree(migrated.root / "players", root / "players")
    shutil.copytree(migrated.root / "warehouse", root / "warehouse")
    shutil.copytree(layer_dir(migrated), layer_dir(DataDir(root)))
    return DataDir(root)


def columns(path: Path, table: str) -> list[str]:
    sql = (
        "select column_name from information_schema.columns "
        "where table_name = ? order by ordinal_position"
    )
    return [r[0] for r in rows(path, sql, [table])]


def hold(path: Path, read_only: bool = False, release_after: float | None = None):
    """Another process holding a DuckDB file until its stdin closes (or for some seconds)."""
    wait = f"time.sleep({release_after})" if release_after else "sys.stdin.read()"
    code = (
        "import duckdb, sys, time\n"
        f"con = duckdb.connect({str(path)!r}, read_only={read_only})\n"
        "print('ready', flush=True)\n"
        f"{wait}\n"
        "con.close()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "ready"
    return proc


def release(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    proc.wait(timeout=30)


def test_matches_are_the_players_own_rows_plus_the_registry_columns(data_dir: DataDir) -> None:
    for player in data_dir.discover_players():
        path = data_dir.player_db(player)
        frame = PlayerRepository(player, data_dir).matches()
        own = columns(path, "match_stats")
        registry = columns(data_dir.warehouse, "match_registry")
        assert frame.columns == own + [c for c in registry if c not in own]
        ids = sorted(r[0] for r in rows(path, "select match_id from match_stats"))
        assert sorted(frame["match_id"].to_list()) == ids
        starts = frame["start_time"].to_list()
        assert starts == sorted(starts, reverse=True)
        counts = dict(rows(data_dir.warehouse, "select match_id, player_count from match_registry"))
        assert frame["player_count"].to_list() == [counts[m] for m in frame["match_id"]]


def test_older_layout_gets_the_newer_match_columns_from_the_registry(data_dir: DataDir) -> None:
    older = [
        p
        for p in data_dir.discover_players()
        if "end_time" not in columns(data_dir.player_db(p), "match_stats")
    ]
    assert older, "the demo set has an older-layout DB"
    frame = PlayerRepository(older[0], data_dir).matches()
    registry = dict(rows(data_dir.warehouse, "select match_id, end_time from match_registry"))
    assert frame["end_time"].to_list() == [registry[m] for m in frame["match_id"]]


def test_participants_events_and_aliases_come_from_the_shared_tables(data_dir: DataDir) -> None:
    player = data_dir.discover_players()[0]
    repo = PlayerRepository(player, data_dir)
    wh = data_dir.warehouse
    match_ids = repo.matches()["match_id"].to_list()
    for match_id in match_ids[:: max(1, len(match_ids) // 6)]:
        roster = repo.match_participants(match_id)
        expected = rows(
            wh, "select * from match_participants where match_id = ? order by all", [match_id]
        )
        assert sorted(roster.rows()) == expected
        assert roster.columns == columns(wh, "match_participants")
        # events: the player's v4 rows (raw_json rebuilt byte for byte where the warehouse
        # keeps no string of its own), every event the warehouse holds for the match
        events = repo.highlight_events(match_id)
        assert events.columns == columns(data_dir.player_db(player), "highlight_events")
        assert (
            events.height
            == rows(wh, "select count(*) from highlight_events where match_id = ?", [match_id])[0][
                0
            ]
        )
        own = rows(
            data_dir.player_db(player),
            "select event_type, time_ms, xuid, gamertag, type_hint, raw_json "
            "from highlight_events where match_id = ? order by all",
            [match_id],
        )
        shown = sorted(tuple(r[2:]) for r in events.rows())
        assert own and not (Counter(own) - Counter(shown))  # the demo's own copy, exactly
        assert events["time_ms"].to_list() == sorted(events["time_ms"].to_list())
    aliases = repo.aliases()
    assert aliases.rows() == rows(wh, "select * from xuid_aliases order by xuid")
    some = aliases["xuid"].to_list()[:3]
    assert repo.aliases(some)["xuid"].to_list() == sorted(some)
    assert repo.gamertag_of(some[0]) == aliases["gamertag"][0]
    assert repo.gamertag_of("no-such-xuid") is None
    sql = "select match_id from match_players where player_xuid = ?"
    assert {r[0] for r in rows(wh, sql, [repo.player_xuid()])} == set(match_ids)


def test_empty_answers_keep_their_types(data_dir: DataDir) -> None:
    repo = PlayerRepository(data_dir.discover_players()[0], data_dir)
    roster = repo.match_participants("no-such-match")
    assert roster.height == 0
    assert roster.schema["kills"] == pl.Int32
    assert repo.highlight_events("no-such-match").schema["time_ms"] == pl.Int32


def test_a_read_layer_not_published_is_a_clear_error(data_dir: DataDir, tmp_path: Path) -> None:
    shutil.copytree(data_dir.players_dir, tmp_path / "players")
    shutil.copytree(data_dir.warehouse_dir, tmp_path / "warehouse")
    alone = DataDir(tmp_path)
    repo = PlayerRepository(alone.discover_players()[0], alone)
    with pytest.raises(UserError, match=re.escape(f"The read layer of {alone.root} is not pub")):
        repo.matches()
    with pytest.raises(UserError, match="No player DB for 'Nobody'"):
        PlayerRepository("Nobody", alone).matches()


def test_nothing_is_held_between_calls_so_a_writer_and_a_migration_can_run(
    data_dir: DataDir,
) -> None:
    player = data_dir.discover_players()[0]
    repo = PlayerRepository(player, data_dir)
    before = repo.matches()
    for path in (data_dir.player_db(player), data_dir.warehouse):
        code = (
            "import duckdb\n"
            f"con = duckdb.connect({str(path)!r})\n"
            "con.execute('create table written_meanwhile as select 1 as x')\n"
            "con.execute('drop table written_meanwhile')\n"
            "con.close()\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True)
    # a real migration (dbt build on the warehouse, the player DB attached) while the
    # repository object lives: it holds no lock
    migrate_players(data_dir, [player], say=quiet, lock_timeout=5)
    assert repo.matches().equals(before)


def test_a_writer_holding_the_warehouse_does_not_touch_a_read(data_dir: DataDir) -> None:
    """The repository reads the read layer, never the warehouse."""
    repo = PlayerRepository(data_dir.discover_players()[0], data_dir, wait_seconds=0)
    expected = repo.aliases()
    writer = hold(data_dir.warehouse)
    try:
        started = time.monotonic()
        assert repo.aliases().equals(expected) and expected.height > 0
        match_id = repo.matches()["match_id"][0]
        assert repo.highlight_events(match_id).height > 0
        assert time.monotonic() - started < 5
    finally:
        release(writer)


def test_a_writer_holding_the_player_db_makes_a_read_wait_then_fail_clearly(
    data_dir: DataDir,
) -> None:
    repo = PlayerRepository(data_dir.discover_players()[0], data_dir, wait_seconds=0.3)
    writer = hold(data_dir.player_db(repo.gamertag))
    try:
        started = time.monotonic()
        with pytest.raises(UserError, match=re.escape(f"{repo.player_db} is locked")):
            repo.aliases()
        assert time.monotonic() - started >= 0.3
    finally:
        release(writer)
    assert repo.aliases().height > 0


def test_a_read_waits_for_a_short_writer(data_dir: DataDir) -> None:
    repo = PlayerRepository(data_dir.discover_players()[0], data_dir, wait_seconds=10)
    writer = hold(data_dir.player_db(repo.gamertag), release_after=0.5)
    try:
        assert repo.matches().height > 0
    finally:
        writer.wait(timeout=30)


def test_readers_do_not_block_each_other(data_dir: DataDir) -> None:
    repo = PlayerRepository(data_dir.discover_players()[0], data_dir, wait_seconds=0)
    readers = [hold(data_dir.player_db(repo.gamertag), True), hold(data_dir.warehouse, True)]
    try:
        assert repo.aliases().height > 0
    finally:
        for reader in readers:
            release(reader)

"""Phase 5 end to end on the small demo set: cleanup of every player (one of them killed at
several steps and resumed), compatibility of the views, the read path in both states,
backups, restore, sizes. Real DuckDB files, real dbt runs (in-process), no mocks.

Every row and value of a player's own tables (before) comes back from the views (after),
event types in the DB's own spelling and raw_json byte for byte, with these differences
only, each checked below against what the input DBs hold:
- highlight_events.id is renumbered (in chronological order);
- a copy that lacked rows (an incomplete copy of a match) comes back completed from the
  other players' copies: the view never holds fewer rows than the player's own copy;
- a participant column that was NULL in the player's copy may come back filled (merged from
  another copy); a non-NULL value never changes;
- an alias gives the gamertag with the latest last_seen over every player's copy.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from hardening_helpers import copy_data_dir, run_cli
from helpers import quiet, rows
from shared_matches.cleanup.backup import KIND_PRE_CLEANUP, KIND_PRE_RESTORE
from shared_matches.cleanup.restore import restore_player
from shared_matches.cleanup.sizes import size_report
from shared_matches.cleanup.state import CLEANED, ORIGINAL, inspect_player_db
from shared_matches.cleanup.steps import CleanupOutcome, cleanup_player, dry_run
from shared_matches.compaction import compact_path
from shared_matches.duckdb_files import MOVED_TABLES, RECORD_TABLE, SPELLINGS_TABLE
from shared_matches.failpoints import ENV_VAR
from shared_matches.migrate import UP_TO_DATE, migrate_players
from shared_matches.paths import PROJECT_ROOT, DataDir, UserError
from shared_matches.player_identity import read_player_xuid
from shared_matches.read_layer import layer_dir
from shared_matches.repository import PlayerRepository

# --- helpers -------------------------------------------------------------------------------


def query(path: Path, sql: str, params: list | None = None):
    """Rows of a query on a DB opened read-only, as the app opens it (nothing attached)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@contextmanager
def opened(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def base_table_contents(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'main'"
            ).fetchall()
        ]
        return {t: con.execute(f'select * from "{t}" order by all').fetchall() for t in tables}
    finally:
        con.close()


def columns_of(path: Path, table: str) -> list[tuple[str, str]]:
    return query(
        path,
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = current_database() and table_name = ? order by ordinal_position",
        [table],
    )


def run_python_killed_at(step: str, code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, **{ENV_VAR: step})
    return subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )


def older_layout_player(data_dir: DataDir) -> str:
    """The player whose DB has the older layout (no avg_life_seconds in match_participants)."""
    for player in data_dir.discover_players():
        names = [c for c, _ in columns_of(data_dir.player_db(player), "match_participants")]
        if "avg_life_seconds" not in names:
            return player
    raise AssertionError("the demo set has no older-layout DB")


# --- the expensive part, once: clean every player up, one of them the hard way -------------


@dataclass
class CleanupRun:
    before: DataDir  # the migrated demo set, never written
    after: DataDir  # a copy, cleaned up
    crash_player: str
    outcomes: dict[str, CleanupOutcome] = field(default_factory=dict)
    observed: dict[str, object] = field(default_factory=dict)


@pytest.fixture(scope="module")
def run(migrated: DataDir, tmp_path_factory: pytest.TempPathFactory) -> CleanupRun:
    after = copy_data_dir(migrated, tmp_path_factory.mktemp("cleaned"))
    spare = copy_data_dir(migrated, tmp_path_factory.mktemp("spare"))
    crash_player = older_layout_player(after)
    result = CleanupRun(before=migrated, after=after, crash_player=crash_player)
    path = after.player_db(crash_player)
    seen = result.observed

    # 1. the command killed right after the swap committed, before its checklist
    killed = run_cli(after, "cleanup", "--player", crash_player, fail_at="after_drop")
    seen["after_drop_returncode"] = killed.returncode
    seen["after_drop_state"] = inspect_player_db(path).state
    seen["after_drop_view_rows"] = {
        t: query(path, f"select count(*) from {t}")[0][0] for t in MOVED_TABLES
    }

    # 2. on a spare copy, the same swap (with the SQL dbt compiles for it) killed inside its
    # transaction: tables dropped and views created, not committed
    killed = run_python_killed_at(
        "during_drop",
        "from pathlib import Path\n"
        "from shared_matches.cleanup.backup import create_backup\n"
        "from shared_matches.cleanup.steps import (\n"
        "    compile_compat, read_facts, swap_tables_for_views,\n"
        ")\n"
        "from shared_matches.dbt_session import DbtSession\n"
        "from shared_matches.paths import DataDir\n"
        "from shared_matches.read_layer import layer_dir\n"
        f"spare, player = DataDir(Path({str(spare.root)!r})), {crash_player!r}\n"
        "facts = read_facts(spare.player_db(player), layer_dir(spare))\n"
        "compiled = compile_compat(DbtSession(spare), player, facts)\n"
        "backup = create_backup(spare, player)\n"
        "swap_tables_for_views(spare, player, backup, facts, compiled)\n",
    )
    spare_path = spare.player_db(crash_player)
    seen["during_drop_returncode"] = killed.returncode
    seen["during_drop_state"] = inspect_player_db(spare_path).state
    seen["during_drop_contents"] = base_table_contents(spare_path)

    # 3. the rewrite that frees the space, killed just before its atomic rename
    killed = run_python_killed_at(
        "before_swap",
        "from pathlib import Path\n"
        "from shared_matches.compaction import compact_player_db\n"
        f"compact_player_db(Path({str(path)!r}))\n",
    )
    seen["before_swap_returncode"] = killed.returncode
    seen["before_swap_stale_copy"] = compact_path(path).exists()
    seen["before_swap_state"] = inspect_player_db(path).state
    seen["before_swap_personal"] = {
        t: rows
        for t, rows in base_table_contents(path).items()
        if t not in (RECORD_TABLE, SPELLINGS_TABLE)
    }

    # 4. the re-run finishes the job; then every other player, in one go each
    result.outcomes[crash_player] = cleanup_player(after, crash_player, out=quiet)
    seen["stale_copy_after_rerun"] = compact_path(path).exists()
    for player in after.discover_players():
        if player != crash_player:
            result.outcomes[player] = cleanup_player(after, player, out=quiet)
    return result


# --- crash safety --------------------------------------------------------------------------


def test_killed_inside_the_swap_leaves_the_db_as_it_was(run: CleanupRun) -> None:
    seen = run.observed
    assert seen["during_drop_returncode"] == -signal.SIGKILL, seen["during_drop_returncode"]
    assert seen["during_drop_state"] == ORIGINAL
    assert seen["during_drop_contents"] == base_table_contents(
        run.before.player_db(run.crash_player)
    )


def test_killed_after_the_swap_leaves_working_views(run: CleanupRun) -> None:
    seen = run.observed
    assert seen["after_drop_returncode"] == -signal.SIGKILL
    assert seen["after_drop_state"] == CLEANED
    own = base_table_contents(run.before.player_db(run.crash_player))
    rows = seen["after_drop_view_rows"]
    assert rows["match_participants"] >= len(own["match_participants"])
    assert rows["highlight_events"] >= len(own["highlight_events"])
    assert rows["xuid_aliases"] >= len(own["xuid_aliases"])


def test_killed_before_the_rewrite_swap_keeps_the_db_and_the_rerun_finishes(
    run: CleanupRun,
) -> None:
    seen = run.observed
    assert seen["before_swap_returncode"] == -signal.SIGKILL
    assert seen["before_swap_stale_copy"]
    assert seen["before_swap_state"] == CLEANED
    personal = {
        t: rows
        for t, rows in base_table_contents(run.before.player_db(run.crash_player)).items()
        if t not in MOVED_TABLES
    }
    assert seen["before_swap_personal"] == personal
    outcome = run.outcomes[run.crash_player]
    assert outcome.resumed
    assert outcome.compaction is not None and outcome.compaction.rewritten
    assert not seen["stale_copy_after_rerun"]


def test_every_player_ends_cleaned_and_rewritten_smaller(run: CleanupRun) -> None:
    for player in run.after.discover_players():
        db = inspect_player_db(run.after.player_db(player))
        assert db.state == CLEANED, player
        assert set(MOVED_TABLES).isdisjoint(db.tables)
        outcome = run.outcomes[player]
        assert outcome.compaction is not None
        assert outcome.compaction.after_bytes < outcome.backup.size_bytes, player


def test_a_cleaned_db_is_up_to_date_for_the_next_migration(run: CleanupRun, tmp_path: Path) -> None:
    data_dir = copy_data_dir(run.after, tmp_path)
    before = hashlib.sha256(data_dir.warehouse.read_bytes()).hexdigest()
    runs = migrate_players(data_dir, say=quiet)
    assert {r.gamertag: r.status for r in runs} == {
        p: UP_TO_DATE for p in data_dir.discover_players()
    }
    assert hashlib.sha256(data_dir.warehouse.read_bytes()).hexdigest() == before


# --- compatibility -------------------------------------------------------------------------


def test_views_have_exactly_the_original_columns_and_types(run: CleanupRun) -> None:
    for player in run.after.discover_players():
        for table in MOVED_TABLES:
            original = columns_of(run.before.player_db(player), table)
            view = columns_of(run.after.player_db(player), table)
            assert view == original, (player, table)
    older = run.crash_player
    names = [c for c, _ in columns_of(run.after.player_db(older), "match_participants")]
    assert "avg_life_seconds" not in names


EVENT_SIGNATURE = (
    "select match_id, lower(event_type), time_ms, xuid, type_hint, "
    "raw_json::json->>'medal_value' from highlight_events"
)


def _event_signatures(path: Path) -> Counter:
    return Counter(query(path, EVENT_SIGNATURE))


EXACT_EVENTS = (
    "select match_id, event_type, time_ms, xuid, gamertag, type_hint, raw_json "
    "from highlight_events"
)


def test_every_row_and_value_of_the_dropped_tables_is_returned_by_the_views(
    run: CleanupRun,
) -> None:
    for player in run.after.discover_players():
        before, after = run.before.player_db(player), run.after.player_db(player)
        # participants: every (match, xuid); non-NULL values unchanged
        cols = [c for c, _ in columns_of(before, "match_participants")]
        old = {(r[0], r[1]): r for r in query(before, "select * from match_participants")}
        new = {(r[0], r[1]): r for r in query(after, "select * from match_participants")}
        assert old.keys() <= new.keys(), player
        for key, row in old.items():
            for name, value, got in zip(cols, row, new[key], strict=True):
                assert value is None or value == got, (player, key, name)
        # events: every column but the renumbered id, exactly (the DB's own event-type
        # spelling, raw_json byte for byte), as many times as the player's table held them
        old_events = Counter(query(before, EXACT_EVENTS))
        new_events = Counter(query(after, EXACT_EVENTS))
        assert not (old_events - new_events), (player, list(old_events - new_events)[:3])
        ids = [r[0] for r in query(after, "select id from highlight_events")]
        assert len(ids) == len(set(ids)) == sum(new_events.values())
        # aliases: every xuid
        old_aliases = {r[0] for r in query(before, "select xuid from xuid_aliases")}
        new_aliases = {r[0] for r in query(after, "select xuid from xuid_aliases")}
        assert old_aliases <= new_aliases, player


def test_the_warehouse_keeps_raw_json_only_where_a_copy_differs(run: CleanupRun) -> None:
    """raw_json is rebuilt from the columns (the views give it back byte for byte, as the
    test above proves); the demo copies all agree with the rebuild, so none is stored."""
    stored = query(
        run.after.warehouse, "select count(*) from highlight_events where raw_json is not null"
    )
    assert stored == [(0,)]
    total = query(run.after.warehouse, "select count(*) from highlight_events")[0][0]
    assert total > 0


def test_an_older_db_gets_its_own_event_type_spelling_back(run: CleanupRun) -> None:
    before = run.before.player_db(run.crash_player)
    spelled = query(before, "select count(*) from highlight_events where event_type = 'Kill'")
    assert spelled[0][0] > 0  # the demo's older-layout DB capitalises event types
    after = query(
        run.after.player_db(run.crash_player),
        "select distinct event_type from highlight_events order by 1",
    )
    assert all(t[0] == t[0].capitalize() for t in after), after


def _max_copy_events(run: CleanupRun) -> dict[str, Counter]:
    """Per match, the events of the most complete copy among all players (the input DBs)."""
    best: dict[str, Counter] = {}
    for player in run.before.discover_players():
        per_match: dict[str, Counter] = {}
        for sig, n in _event_signatures(run.before.player_db(player)).items():
            per_match.setdefault(sig[0], Counter())[sig] += n
        for match_id, events in per_match.items():
            best[match_id] = best.get(match_id, Counter()) | events
    return best


def _latest_aliases(run: CleanupRun) -> dict[str, str]:
    """Per xuid, the gamertag of the copy with the latest last_seen (the input DBs)."""
    latest: dict[str, tuple] = {}
    for player in run.before.discover_players():
        sql = "select xuid, gamertag, last_seen from xuid_aliases"
        for xuid, gamertag, last_seen in query(run.before.player_db(player), sql):
            if xuid not in latest or last_seen > latest[xuid][1]:
                latest[xuid] = (gamertag, last_seen)
    return {xuid: gamertag for xuid, (gamertag, _) in latest.items()}


def test_old_app_queries_give_the_same_answers(run: CleanupRun) -> None:
    """The old app's queries, before (own tables) and after (views): equal, except where
    the normalisations of the module docstring apply, and then as they say."""
    best_events = _max_copy_events(run)
    latest_alias = _latest_aliases(run)
    for player in run.after.discover_players():
        with (
            opened(run.before.player_db(player)) as before,
            opened(run.after.player_db(player)) as after,
        ):
            me = read_player_xuid(before, player)
            own_events: dict[str, Counter] = {}
            for sig in before.execute(EVENT_SIGNATURE).fetchall():
                own_events.setdefault(sig[0], Counter())[sig] += 1
            match_ids = [
                r[0] for r in before.execute("select match_id from match_stats").fetchall()
            ]
            for match_id in sorted(match_ids)[:: max(1, len(match_ids) // 8)]:
                check_match_queries(before, after, match_id, me, own_events, best_events)
            # gamertag of a xuid: the latest known over every copy (unchanged when that was
            # the player's own)
            sql = "select gamertag from xuid_aliases where xuid = ?"
            for xuid, gamertag in before.execute(
                "select xuid, gamertag from xuid_aliases"
            ).fetchall():
                answer = after.execute(sql, [xuid]).fetchone()[0]
                assert answer == latest_alias[xuid]
                if latest_alias[xuid] == gamertag:
                    assert answer == gamertag


def check_match_queries(
    before: duckdb.DuckDBPyConnection,
    after: duckdb.DuckDBPyConnection,
    match_id: str,
    me: str,
    own_events: dict[str, Counter],
    best_events: dict[str, Counter],
) -> None:
    # participants of a match: the same xuids; a non-NULL value never changes
    sql = "select * from match_participants where match_id = ? order by xuid"
    old = {r[1]: r for r in before.execute(sql, [match_id]).fetchall()}
    new = {r[1]: r for r in after.execute(sql, [match_id]).fetchall()}
    assert old.keys() == new.keys(), match_id
    for xuid, row in old.items():
        assert all(v is None or v == w for v, w in zip(row, new[xuid], strict=True))
    # roster with team scores
    sql = (
        "select p.xuid, p.team_id, m.my_team_score, m.enemy_team_score "
        "from match_participants as p join match_stats as m using (match_id) "
        "where match_id = ? order by all"
    )
    assert before.execute(sql, [match_id]).fetchall() == after.execute(sql, [match_id]).fetchall()
    # events of a match: the most complete copy's, which contain the player's own
    own = own_events.get(match_id, Counter())
    view = Counter(after.execute(EVENT_SIGNATURE + " where match_id = ?", [match_id]).fetchall())
    assert view == best_events.get(match_id, Counter())
    assert not (own - view)
    # a player's kills in a match, counted from the events
    sql = (
        "select count(*) from highlight_events "
        "where match_id = ? and lower(event_type) = 'kill' and xuid = ?"
    )
    kills_before = before.execute(sql, [match_id, me]).fetchone()[0]
    kills_after = after.execute(sql, [match_id, me]).fetchone()[0]
    assert kills_after >= kills_before
    if own == view:
        assert kills_after == kills_before


def test_cleaned_db_answers_alone_with_no_attach_and_no_warehouse_lock(run: CleanupRun) -> None:
    """The views read the read layer's Parquet files: nothing to attach, under no catalog
    name, and the warehouse stays free for a writer while the DB is open and read."""
    path = run.after.player_db(run.crash_player)
    expected = {table: rows(path, f"select count(*) from {table}")[0][0] for table in MOVED_TABLES}
    assert all(expected.values()), expected
    con = duckdb.connect(str(path), read_only=True)
    try:
        for table, count in expected.items():
            assert con.execute(f"select count(*) from {table}").fetchone()[0] == count
        assert (
            con.execute("select count(*) from duckdb_databases() where not internal").fetchone()[0]
            == 1
        ), "a view attached something"
        # a writer of the warehouse in another process is not blocked by this reader
        code = (
            "import duckdb, sys\n"
            "con = duckdb.connect(sys.argv[1])\n"
            "con.execute('create table lock_probe as select 1 as x')\n"
            "con.execute('drop table lock_probe')\n"
            "con.close()\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, str(run.after.warehouse)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        # the app's phase-4 code attaches the warehouse as `shared`: the views still answer
        con.execute(f"attach '{run.after.warehouse}' as shared (read_only)")
        for table, count in expected.items():
            assert con.execute(f"select count(*) from {table}").fetchone()[0] == count
    finally:
        con.close()


# --- the read path, before and after -------------------------------------------------------


def test_repository_reads_the_same_before_and_after_cleanup(run: CleanupRun) -> None:
    for player in run.after.discover_players():
        old = PlayerRepository(player, run.before)
        new = PlayerRepository(player, run.after)
        assert old.matches().equals(new.matches())
        match_ids = old.matches()["match_id"].to_list()
        for match_id in match_ids[:: max(1, len(match_ids) // 3)]:
            assert old.match_participants(match_id).equals(new.match_participants(match_id))
            assert old.highlight_events(match_id).equals(new.highlight_events(match_id))
        assert old.aliases().equals(new.aliases())


# --- backups, checklist, restore ------------------------------------------------------------


def test_backup_is_verified_and_holds_every_original_row(run: CleanupRun) -> None:
    for player, outcome in run.outcomes.items():
        original = base_table_contents(run.before.player_db(player))
        backup = outcome.backup
        assert backup.db_path.parent.parent == run.after.backups_dir / player
        assert backup.row_counts == {t: len(rows) for t, rows in original.items()}
        assert base_table_contents(backup.db_path) == original


def test_restore_puts_the_db_back_and_keeps_the_current_file(
    run: CleanupRun, tmp_path: Path
) -> None:
    data_dir = copy_data_dir(run.after, tmp_path, ("players", "warehouse", "backups"))
    player = run.crash_player
    cleaned = base_table_contents(data_dir.player_db(player))
    restored, safety = restore_player(data_dir, player, out=quiet)
    assert restored.kind == KIND_PRE_CLEANUP
    assert base_table_contents(data_dir.player_db(player)) == base_table_contents(
        run.before.player_db(player)
    )
    assert inspect_player_db(data_dir.player_db(player)).state == ORIGINAL
    assert safety is not None and safety.kind == KIND_PRE_RESTORE
    assert base_table_contents(safety.db_path) == cleaned
    # the safety copy can itself be restored (undo), by its timestamp
    restore_player(data_dir, player, backup_id=safety.backup_id, out=quiet)
    assert inspect_player_db(data_dir.player_db(player)).state == CLEANED


def test_restore_killed_before_its_swap_changes_nothing(run: CleanupRun, tmp_path: Path) -> None:
    data_dir = copy_data_dir(run.after, tmp_path, ("players", "warehouse", "backups"))
    player = run.crash_player
    cleaned = base_table_contents(data_dir.player_db(player))
    killed = run_cli(data_dir, "restore", "--player", player, fail_at="before_swap")
    assert killed.returncode == -signal.SIGKILL
    assert base_table_contents(data_dir.player_db(player)) == cleaned
    assert inspect_player_db(data_dir.player_db(player)).state == CLEANED


def test_restore_refuses_an_unknown_backup(run: CleanupRun) -> None:
    with pytest.raises(UserError, match="No complete backup 'nope'"):
        restore_player(run.after, run.crash_player, backup_id="nope", out=quiet)


# --- sizes ---------------------------------------------------------------------------------


def test_size_report_compares_v4_dbs_with_warehouse_layer_and_cleaned_dbs(run: CleanupRun) -> None:
    report = size_report(run.after)
    assert [p.player for p in report.players] == run.after.discover_players()
    for entry in report.players:
        assert entry.before_bytes == run.outcomes[entry.player].backup.size_bytes
        assert entry.after_bytes == run.after.player_db(entry.player).stat().st_size
        assert entry.after_bytes < entry.before_bytes
    assert report.warehouse_bytes == run.after.warehouse.stat().st_size
    assert report.total_before == sum(p.before_bytes for p in report.players)
    layer = sum(f.stat().st_size for f in layer_dir(run.after).glob("*/*.parquet"))
    assert report.read_layer_bytes == layer > 0
    assert report.total_after == report.warehouse_bytes + layer + sum(
        p.after_bytes for p in report.players
    )


# --- refusals: gate, lock, dry run ---------------------------------------------------------


def test_gate_refuses_a_player_with_rows_missing_from_the_warehouse(
    migrated: DataDir, tmp_path: Path
) -> None:
    data_dir = copy_data_dir(migrated, tmp_path)
    player = data_dir.discover_players()[0]
    path = data_dir.player_db(player)
    con = duckdb.connect(str(path))
    match_id = con.execute("select min(match_id) from match_stats").fetchone()[0]
    con.execute(
        "insert into match_participants (match_id, xuid, team_id) values (?, 'x-not-migrated', 0)",
        [match_id],
    )
    con.close()
    contents = base_table_contents(path)
    with pytest.raises(UserError) as refused:
        cleanup_player(data_dir, player, out=quiet)
    message = str(refused.value)
    assert "nothing was written" in message
    assert "match_participants: 1 lost" in message and "x-not-migrated" in message
    assert "highlight_events" not in message and "xuid_aliases" not in message
    assert base_table_contents(path) == contents
    assert not data_dir.backups_dir.exists()


def test_a_locked_player_db_is_named_and_left_alone(migrated: DataDir, tmp_path: Path) -> None:
    data_dir = copy_data_dir(migrated, tmp_path)
    player = data_dir.discover_players()[0]
    path = data_dir.player_db(player)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(path)!r}); print('ready', flush=True);"
            " sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(UserError, match=re.escape(f"{path} is locked by another program")):
            cleanup_player(data_dir, player, out=quiet)
    finally:
        holder.stdin.close()
        holder.wait()
    assert inspect_player_db(path).state == ORIGINAL
    assert not data_dir.backups_dir.exists()


def test_dry_run_says_what_it_would_drop_and_free_and_writes_nothing(
    migrated: DataDir, tmp_path: Path
) -> None:
    data_dir = copy_data_dir(migrated, tmp_path)
    player = data_dir.discover_players()[0]
    path = data_dir.player_db(player)
    raw = path.read_bytes()
    lines: list[str] = []
    dry_run(data_dir, player, out=lines.append)
    text = "\n".join(lines)
    counts = {t: len(rows) for t, rows in base_table_contents(path).items()}
    for table in MOVED_TABLES:
        assert f"would drop table {table} ({counts[table]} rows)" in text
    assert "would free" in text
    assert path.read_bytes() == raw
    assert sorted(p.name for p in path.parent.iterdir()) == ["stats.duckdb"]
    assert not data_dir.backups_dir.exists()

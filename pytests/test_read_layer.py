"""The read layer (src/shared_matches/read_layer.py): the Parquet files a cleaned player DB's
views read, published after every merge.

On real files: the small demo set migrated, one player cleaned up (its views read the layer),
then merges of new matches of another player (`migrate` of an appended DB, in a subprocess
so that it can be killed with SIGKILL at each step of the publish).
- an incremental publish leaves the same rows as a full one, each file sorted, each match in
  one file;
- killed at every step: the files are each whole (old or new), the views answer, `status`
  says the layer lags, `cleanup --verify` refuses, and the next command finishes it;
- readers in another process, looping while publishes add versions and delete superseded
  files, never fail and never see a match twice or half;
- files held open (Windows refuses to delete or replace them): data files are never
  replaced, a held superseded file waits for a later publish, the manifest is retried;
- a moved data dir: the views say which folder they miss, `repoint` makes them read the new
  one;
- a warehouse made before the read layer gets its views and its files from the next migrate.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from hardening_helpers import copy_data_dir, run_cli
from helpers import quiet, rows
from shared_matches import held_files, read_layer
from shared_matches.cleanup.steps import cleanup_player
from shared_matches.demo.generate import append_new_matches
from shared_matches.duckdb_files import MOVED_TABLES
from shared_matches.failpoints import ENV_VAR, LAYER_STEPS
from shared_matches.paths import PROJECT_ROOT, DataDir, UserError
from shared_matches.read_layer import TABLES, layer_dir, layer_state, publish

CLEANED = "Chocoboflor"
MERGING = "JGtm"
# per match of the cleaned player: (events, distinct ids, participants) as its views give them
VIEW_COUNTS = """
select events.match_id, events.n, events.ids, coalesce(roster.n, 0)
from (
    select match_id, count(*) as n, count(distinct id) as ids
    from highlight_events group by match_id
) as events
left join (
    select match_id, count(*) as n from match_participants group by match_id
) as roster on events.match_id = roster.match_id
order by 1
"""


def layer_rows(data_dir: DataDir) -> dict[str, list[tuple]]:
    """Every current row of every table of the layer (as the views read it: of each range,
    the highest version), with the range of the file it is in, sorted."""
    found = {}
    con = duckdb.connect()
    try:
        for table in TABLES:
            sql = read_layer.files_sql(data_dir, table.name).replace(
                "select * exclude (filename)",
                "select * exclude (filename), split_part(parse_filename(filename), '.', 1)",
                1,
            )
            found[table.name] = sorted(con.execute(f"select * from {sql}").fetchall(), key=repr)
    finally:
        con.close()
    return found


def full_reference(data_dir: DataDir, root: Path) -> dict[str, list[tuple]]:
    """The layer as a full publish of the same warehouse writes it (on a copy)."""
    copy = copy_data_dir(data_dir, root, parts=("players", "warehouse"))
    publish(copy, full=True)
    return layer_rows(copy)


def view_counts(path: Path) -> list[tuple]:
    return rows(path, VIEW_COUNTS)


def migrate_in_subprocess(data_dir: DataDir, fail_at: str | None = None):
    """`shared-matches migrate --players JGtm` in a new process (killed at ``fail_at``)."""
    return run_cli(data_dir, "migrate", "--players", MERGING, fail_at=fail_at)


@pytest.fixture(scope="module")
def cleaned(migrated: DataDir, tmp_path_factory: pytest.TempPathFactory) -> DataDir:
    """The migrated demo set (its read layer published by the migration), one player cleaned
    up. Tests copy it before writing (and re-point the copy's views)."""
    data_dir = copy_data_dir(migrated, tmp_path_factory.mktemp("layer-cleaned"))
    cleanup_player(data_dir, CLEANED, out=quiet)
    return data_dir


def writable_copy(cleaned: DataDir, root: Path) -> DataDir:
    data_dir = copy_data_dir(cleaned, root, parts=("players", "warehouse", "read_layer", "backups"))
    done = run_cli(data_dir, "repoint")
    assert done.returncode == 0, done.stderr
    return data_dir


def test_migrate_publishes_the_layer_and_the_views_read_it_with_no_attach(
    cleaned: DataDir,
) -> None:
    state = layer_state(cleaned)
    assert state.published and not state.lags, state.describe()
    path = cleaned.player_db(CLEANED)
    sql = "select sql from duckdb_views() where view_name = ?"
    for table in MOVED_TABLES:
        text = rows(path, sql, [table])[0][0]
        assert "read_parquet(" in text and str(layer_dir(cleaned)) in text, text
        assert "shared_matches." not in text  # no catalog of the warehouse
    counts = view_counts(path)
    assert counts and all(n == ids and n > 0 for _, n, ids, _ in counts)


def test_an_incremental_publish_gives_what_a_full_one_gives(cleaned: DataDir, tmp_path) -> None:
    data_dir = writable_copy(cleaned, tmp_path / "incremental")
    before = layer_rows(data_dir)
    new = append_new_matches(data_dir, MERGING, 3, seed=7)
    done = migrate_in_subprocess(data_dir)
    assert done.returncode == 0, done.stderr
    assert not layer_state(data_dir).lags
    after = layer_rows(data_dir)
    assert after == full_reference(data_dir, tmp_path / "reference")
    assert after != before
    for table in TABLES:
        if table.partitioned:
            # each match in one file of each table (the file is the row's last column)
            matches = {}
            for row in after[table.name]:
                matches.setdefault(row[0], set()).add(row[-1])
            assert all(len(files) == 1 for files in matches.values()), table.name
    events = {row[0] for row in after["highlight_events"]}
    assert set(new) <= events
    # rows sorted inside each file, as min-max statistics need them
    con = duckdb.connect()
    try:
        for path in sorted((layer_dir(data_dir) / "highlight_events").glob("*.parquet")):
            got = con.execute(f"select match_id, time_ms from '{path}'").fetchall()
            assert got == sorted(got, key=lambda r: (r[0], r[1])), path.name
    finally:
        con.close()


PUBLISH = """
import sys
from pathlib import Path
from shared_matches.paths import DataDir
from shared_matches.read_layer import publish
publish(DataDir(Path(sys.argv[1])))
"""


def test_a_kill_at_every_step_of_the_publish_is_finished_by_the_next_command(
    cleaned: DataDir, tmp_path: Path
) -> None:
    """A real merge killed after its commit, before its publish; then the publish itself
    killed at each of its steps in turn (each run starting over what the last one left);
    then the next command finishes it. Meanwhile every file is whole and the views answer."""
    data_dir = writable_copy(cleaned, tmp_path / "killed")
    path = data_dir.player_db(CLEANED)
    counts = view_counts(path)
    append_new_matches(data_dir, MERGING, 2, seed=100)
    killed = migrate_in_subprocess(data_dir, fail_at=LAYER_STEPS[0])
    assert killed.returncode == -9, killed.stderr[-2000:]
    pending_before = layer_state(data_dir).pending_matches
    for step in LAYER_STEPS:
        if step != LAYER_STEPS[0]:
            env = {**os.environ, ENV_VAR: step}
            done = subprocess.run(
                [sys.executable, "-c", PUBLISH, str(data_dir.root)],
                env=env,
                capture_output=True,
                text=True,
                cwd=PROJECT_ROOT,
            )
            assert done.returncode == -9, (step, done.stderr[-2000:])
        # every file whole: a reader sees the old or the new file, never a torn one
        leftovers = list(layer_dir(data_dir).glob("*/.*.parquet.tmp"))
        assert not leftovers or step == "layer_after_write", (step, leftovers)
        assert view_counts(path) == counts, step
        state = layer_state(data_dir)
        assert state.lags and state.pending_matches >= 2, (step, state.describe())
        assert state.pending_matches == pending_before, step
    status = run_cli(data_dir, "status", "--json")
    assert json.loads(status.stdout)["warehouse"]["read_layer_lags"] is True
    verify = run_cli(data_dir, "cleanup", "--verify", "--player", CLEANED)
    assert verify.returncode == 2, verify.stderr
    assert "read layer" in verify.stderr and "lags" in verify.stderr
    # the next command finishes it
    again = migrate_in_subprocess(data_dir)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "read layer published:" in again.stdout, again.stdout
    assert not layer_state(data_dir).lags
    assert not list(layer_dir(data_dir).glob("*/.*.tmp"))
    assert layer_rows(data_dir) == full_reference(data_dir, tmp_path / "reference")
    assert view_counts(path) == counts
    verify = run_cli(data_dir, "cleanup", "--verify", "--player", CLEANED)
    assert verify.returncode == 0, verify.stderr


READERS_GRACE_SECONDS = 2.0
READER = """
import duckdb, json, os, sys
path, expected_file, stop, out = sys.argv[1:5]
expected = [tuple(r) for r in json.load(open(expected_file))]
sql = open(expected_file + ".sql").read()
reads, wrong, errors = 0, [], []
long_lived = duckdb.connect(path, read_only=True)
while not os.path.exists(stop):
    for con in (long_lived, None):
        try:
            if con is None:  # the app's other habit: open, read, close
                con = duckdb.connect(path, read_only=True)
                got = [tuple(r) for r in con.execute(sql).fetchall()]
                con.close()
            else:
                got = [tuple(r) for r in con.execute(sql).fetchall()]
            reads += 1
            if got != expected:
                wrong.append("different rows: %d vs %d" % (len(got), len(expected)))
        except Exception as exc:
            errors.append(str(exc)[:300])
json.dump({"reads": reads, "wrong": wrong[:5], "errors": errors[:5], "failed": len(errors)},
          open(out, "w"))
"""


def test_readers_never_fail_nor_see_a_match_twice_or_half_while_files_are_replaced(
    cleaned: DataDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader loops over the views (a long-lived connection, and open-read-close) while
    publishes add new versions of files (a grace period of READERS_GRACE_SECONDS, so that
    superseded files are due meanwhile). The reader holds the player DB open: nothing is
    deleted under it; once it has closed the DB, the next publish deletes them."""
    monkeypatch.setattr(read_layer, "SUPERSEDED_GRACE_SECONDS", READERS_GRACE_SECONDS)
    data_dir = writable_copy(cleaned, tmp_path / "readers")
    path = data_dir.player_db(CLEANED)
    expected = view_counts(path)
    (tmp_path / "expected.json").write_text(json.dumps([list(r) for r in expected]))
    (tmp_path / "expected.json.sql").write_text(VIEW_COUNTS)
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            READER,
            str(path),
            str(tmp_path / "expected.json"),
            str(tmp_path / "stop"),
            str(tmp_path / "reads.json"),
        ]
    )
    matches = [r[0] for r in expected]
    publishes = waiting = 0
    try:
        time.sleep(0.5)  # the reader's first reads before any publish
        while publishes < 8 or not waiting:
            # what a sync's hook records: a few matches (of the cleaned player), their files
            few = matches[publishes * 3 : publishes * 3 + 3]
            con = duckdb.connect(str(data_dir.warehouse))
            con.execute(
                f"insert into {read_layer.pending_table()} (table_name, match_id, recorded_at) "
                "select tables.name, matches.id, now()::timestamp "
                "from unnest(['highlight_events', 'match_participants']) as tables (name) "
                "cross join unnest($m::varchar[]) as matches (id)",
                {"m": few},
            )
            con.close()
            done = publish(data_dir)
            assert done.files
            # due files kept: the reader holds the DB (the one it reads the views of)
            assert not done.removal.removed
            if done.removal.waiting:
                assert done.removal.readers == [path]
                waiting += 1
            publishes += 1
            time.sleep(READERS_GRACE_SECONDS / 4)
    finally:
        (tmp_path / "stop").touch()
        assert reader.wait(timeout=60) == 0
    seen = json.loads((tmp_path / "reads.json").read_text())
    assert seen["reads"] >= 10, seen
    # every read that answered gave every match whole, once
    assert seen["wrong"] == [], seen
    # and no read failed (files are never rewritten: a name is always the same bytes)
    assert seen["failed"] == 0, seen
    # the reader gone, the next publish past the grace period deletes the superseded files
    superseded = layer_state(data_dir).superseded
    assert superseded > 0
    time.sleep(READERS_GRACE_SECONDS)
    assert len(publish(data_dir).removal.removed) == superseded
    assert layer_state(data_dir).superseded == 0
    assert view_counts(path) == expected


def test_files_held_open_are_never_replaced_and_deleted_once_free(
    cleaned: DataDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses to delete, or rename over, a file a reader holds open
    (PermissionError; simulated here). A data file is never renamed over: a publish adds new
    versions, and a superseded file that is held stays (still whole) until a later publish
    deletes it; the manifest, which is replaced, is retried, then left whole with the layer
    lagging; the next publish, once it is free, finishes."""
    data_dir = writable_copy(cleaned, tmp_path / "held")
    path = data_dir.player_db(CLEANED)
    before = layer_rows(data_dir)
    held = {"deletes": True, "renames": 0}

    def refuse_delete(target: Path) -> None:
        if held["deletes"]:
            raise PermissionError(13, "The process cannot access the file", str(target))
        target.unlink()

    def refuse_rename(src, dst) -> None:
        if held["renames"] > 0:
            held["renames"] -= 1
            raise PermissionError(13, "The process cannot access the file", str(dst))
        os.replace(src, dst)

    monkeypatch.setattr(read_layer, "DELETE", refuse_delete)
    # Windows: whether another program holds a player DB cannot be asked
    monkeypatch.setattr(held_files, "PROBE_HOOK", lambda paths: None)
    monkeypatch.setattr(read_layer, "RENAME", refuse_rename)
    monkeypatch.setattr(read_layer, "SUPERSEDED_GRACE_SECONDS", 0.0)

    def merged_not_published(seed: int) -> None:
        append_new_matches(data_dir, MERGING, 1, seed=seed)
        killed = migrate_in_subprocess(data_dir, fail_at="layer_before_publish")
        assert killed.returncode == -9, killed.stderr[-2000:]
        assert layer_state(data_dir).lags

    # superseded files held: the publish succeeds, they stay, the views read each match once
    merged_not_published(21)
    folder = layer_dir(data_dir) / "highlight_events"
    files_before = {p.name: p.read_bytes() for p in folder.iterdir()}
    done = publish(data_dir)
    assert done.files and not done.removal.removed and done.removal.waiting > 0
    state = layer_state(data_dir)
    assert not state.lags and state.superseded >= len(done.files), state.describe()
    # every file there before is still there, byte for byte (nothing is rewritten)
    assert {n: (folder / n).read_bytes() for n in files_before} == files_before
    counts = view_counts(path)
    assert counts and all(n == ids for _, n, ids, _ in counts)
    # free again: the next publish (even one with nothing to write) deletes them
    held["deletes"] = False
    assert publish(data_dir).files == []
    assert layer_state(data_dir).superseded == 0
    assert view_counts(path) == counts
    # the manifest held three times, then released: the publish waits and succeeds
    merged_not_published(22)
    held["renames"] = 3
    monkeypatch.setattr(read_layer, "REPLACE_WAIT_SECONDS", 10.0)
    publish(data_dir)
    assert held["renames"] == 0
    assert not layer_state(data_dir).lags
    # held for good: LayerBusy, the manifest whole, nothing staged left, the layer lags
    merged_not_published(23)
    held["renames"] = 10**6
    monkeypatch.setattr(read_layer, "REPLACE_WAIT_SECONDS", 0.5)
    manifest = (layer_dir(data_dir) / read_layer.MANIFEST).read_bytes()
    with pytest.raises(UserError, match="held open by another program"):
        publish(data_dir)
    assert (layer_dir(data_dir) / read_layer.MANIFEST).read_bytes() == manifest
    assert not list(layer_dir(data_dir).glob(".*.tmp"))
    assert layer_state(data_dir).lags
    assert view_counts(path)  # the views answer
    held["renames"] = 0
    publish(data_dir)
    assert not layer_state(data_dir).lags
    assert layer_rows(data_dir) == full_reference(data_dir, tmp_path / "reference")
    assert layer_rows(data_dir) != before


def test_a_moved_data_dir_is_repaired_by_repoint(cleaned: DataDir, tmp_path: Path) -> None:
    data_dir = writable_copy(cleaned, tmp_path / "before-move")
    path = data_dir.player_db(CLEANED)
    counts = view_counts(path)
    moved = DataDir(tmp_path / "after-move")
    shutil.move(data_dir.root, moved.root)
    shutil.rmtree(moved.backups_dir)  # trusted and deleted: repoint needs none
    with pytest.raises(duckdb.IOException, match=str(layer_dir(data_dir))):
        view_counts(moved.player_db(CLEANED))
    status = run_cli(moved, "status")
    assert "shared-matches repoint" in status.stdout, status.stdout
    done = run_cli(moved, "repoint")
    assert done.returncode == 0, done.stderr
    assert f"{CLEANED}] views re-pointed" in done.stdout
    assert view_counts(moved.player_db(CLEANED)) == counts
    again = run_cli(moved, "repoint")
    assert "already read" in again.stdout
    # a DB cleaned by an earlier version: its views read the warehouse through an ATTACH
    path = moved.player_db(CLEANED)
    con = duckdb.connect(str(path))
    try:
        con.execute(f"attach '{moved.warehouse}' as shared_matches (read_only)")
        for table in MOVED_TABLES:
            con.execute(
                f"create or replace view {table} as select * from shared_matches.main.{table}"
            )
    finally:
        con.close()
    with pytest.raises(duckdb.CatalogException, match="shared_matches"):
        view_counts(path)
    status = run_cli(moved, "status")
    assert "cleaned by an earlier version" in status.stdout, status.stdout
    done = run_cli(moved, "repoint")
    assert done.returncode == 0, done.stderr
    assert view_counts(path) == counts


def test_a_warehouse_from_before_the_read_layer_gets_it_from_the_next_migrate(
    migrated: DataDir, tmp_path: Path
) -> None:
    data_dir = copy_data_dir(migrated, tmp_path / "old", parts=("players", "warehouse"))
    con = duckdb.connect(str(data_dir.warehouse))
    for table in TABLES:
        con.execute(f"drop view {table.view}")
    con.close()
    assert not layer_state(data_dir).published
    done = run_cli(data_dir, "migrate")
    assert done.returncode == 0, done.stderr
    state = layer_state(data_dir)
    assert state.published and not state.lags
    assert layer_rows(data_dir) == layer_rows(migrated)


HOLDER = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
for table in ("match_participants", "highlight_events", "xuid_aliases"):
    con.execute("select count(*) from " + table).fetchall()
print("ready", flush=True)
sys.stdin.read()
print(con.execute("select count(*) from highlight_events").fetchone()[0], flush=True)
con.close()
"""


def test_a_reader_holding_a_cleaned_db_blocks_no_writer_of_the_others(
    cleaned: DataDir, tmp_path: Path
) -> None:
    """The app keeps a cleaned DB open and has read its views: a migrate (with a publish)
    and a cleanup of other players run meanwhile, and the reader still reads afterwards."""
    data_dir = writable_copy(cleaned, tmp_path / "held-open")
    path = data_dir.player_db(CLEANED)
    events = rows(path, "select count(*) from highlight_events")[0][0]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        append_new_matches(data_dir, MERGING, 1, seed=31)
        done = migrate_in_subprocess(data_dir)
        assert done.returncode == 0, done.stderr
        done = run_cli(data_dir, "cleanup", "--player", MERGING)
        assert done.returncode == 0, done.stderr
    finally:
        holder.stdin.close()
        answer = holder.stdout.read()
        assert holder.wait(timeout=60) == 0
    assert int(answer.strip()) == events
    assert rows(data_dir.player_db(MERGING), "select count(*) from highlight_events")[0][0] > 0


def test_a_layer_of_another_layout_is_written_again_whole_never_a_range_at_a_time(
    cleaned: DataDir, tmp_path: Path
) -> None:
    """Files this version does not name (an earlier layout: `<range>.parquet`) are never
    taken for missing ranges: the next publish writes every range, then deletes them."""
    data_dir = writable_copy(cleaned, tmp_path / "older-layout")
    expected = layer_rows(data_dir)
    for table in TABLES:
        for name, path in read_layer.current_files(layer_dir(data_dir) / table.name).items():
            path.rename(path.with_name(f"{name}.parquet"))
    assert not any(read_layer.current_files(layer_dir(data_dir) / t.name) for t in TABLES)
    con = duckdb.connect(str(data_dir.warehouse))
    con.execute(
        f"insert into {read_layer.pending_table()} (table_name, match_id, recorded_at) "
        "select 'highlight_events', min(match_id), now()::timestamp from match_registry"
    )
    con.close()
    done = publish(data_dir)
    assert done.full
    assert layer_rows(data_dir) == expected
    assert not [
        p
        for t in TABLES
        for p in (layer_dir(data_dir) / t.name).glob("*.parquet")
        if read_layer._split_name(p) is None
    ]

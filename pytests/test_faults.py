"""kill -9 at every failpoint, then run again: the files end exactly as after an
uninterrupted run, and nothing is lost.

- cleanup: one run killed at each step of CLEANUP_STEPS in turn (each run resumes what the
  previous one left), then a run to the end, compared with an uninterrupted cleanup of a copy;
- restore: the same with RESTORE_STEPS;
- an ingest (the sync's landing) killed inside a match's transaction (landing_mid_match);
- a migrate killed in the middle of its dbt build: the warehouse is unchanged (the publish is
  one transaction) and the next migrate succeeds.

Commands run as the user runs them (``python -m shared_matches.cli``, SHARED_MATCHES_FAIL_AT
makes them SIGKILL themselves); the uninterrupted references run in this process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from hardening_helpers import (
    KILLED,
    copy_data_dir,
    file_hash,
    relation_contents,
    run_cli,
)
from helpers import quiet
from shared_matches.cleanup.backup import MANIFEST, list_backups, player_backups_dir
from shared_matches.cleanup.restore import restore_player, staging_path
from shared_matches.cleanup.state import CLEANED, ORIGINAL, inspect_player_db
from shared_matches.cleanup.steps import cleanup_player
from shared_matches.compaction import compact_path
from shared_matches.demo.generate import append_new_matches
from shared_matches.duckdb_files import RECORD_TABLE
from shared_matches.failpoints import CLEANUP_STEPS, ENV_VAR, RESTORE_STEPS
from shared_matches.ingest import ingest_recorded
from shared_matches.landing.schema import landing_path
from shared_matches.landing.store import MID_MATCH_STEP
from shared_matches.migrate import migrate_players
from shared_matches.paths import PROJECT_ROOT, DataDir

PLAYER = "JGtm"  # the older-layout DB of the demo set
EVERYTHING = ("players", "warehouse", "backups", "read_layer")
# what differs between any two cleanups of the same DB: when, and under which backup id
# the read layer's record of changed matches is bookkeeping of the runs (numbered in the order
# the batches were published), not data: a killed and rerun merge may number it otherwise
VOLATILE = {RECORD_TABLE: {"recorded_at", "backup_id"}, "read_layer_pending": {"*"}}


@dataclass
class Observed:
    step: str
    returncode: int
    stderr: str
    state: str
    db_hash: str
    backup_folders: list[tuple[str, bool]]  # (folder, has a manifest)
    leftovers: list[str]


@dataclass
class Chain:
    start: DataDir  # where every run started from (never written)
    killed: DataDir  # killed at every step in turn, then run to the end
    reference: DataDir  # run once, uninterrupted
    observed: list[Observed] = field(default_factory=list)
    final: subprocess.CompletedProcess | None = None

    def at(self, step: str) -> Observed:
        return next(o for o in self.observed if o.step == step)

    def kill_at_every_step(self, command: str, steps: tuple[str, ...]) -> None:
        """Run `command --player PLAYER` on `killed`, killed at each step in turn, then once
        to the end."""
        for step in steps:
            done = run_cli(self.killed, command, "--player", PLAYER, fail_at=step)
            self.observed.append(observe(self.killed, step, done))
        self.final = run_cli(self.killed, command, "--player", PLAYER)


def observe(data_dir: DataDir, step: str, done: subprocess.CompletedProcess) -> Observed:
    path = data_dir.player_db(PLAYER)
    parent = player_backups_dir(data_dir, PLAYER)
    folders = sorted(parent.iterdir()) if parent.is_dir() else []
    return Observed(
        step=step,
        returncode=done.returncode,
        stderr=done.stderr,
        state=inspect_player_db(path).state,
        db_hash=file_hash(path),
        backup_folders=[(f.name, (f / MANIFEST).is_file()) for f in folders],
        leftovers=sorted(p.name for p in path.parent.iterdir() if p.name != path.name),
    )


def backups_of(data_dir: DataDir) -> list[tuple]:
    """The player's complete backups, as what they hold (not when they were taken)."""
    return [
        (b.kind, file_hash(b.db_path), b.row_counts, b.columns)
        for b in list_backups(data_dir, PLAYER)
    ]


def view_sql(path: Path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "select view_name, sql from duckdb_views() where not internal order by 1"
        ).fetchall()
    finally:
        con.close()


# --- cleanup ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cleanup_chain(migrated: DataDir, tmp_path_factory: pytest.TempPathFactory) -> Chain:
    chain = Chain(
        start=migrated,
        killed=copy_data_dir(migrated, tmp_path_factory.mktemp("cleanup_killed")),
        reference=copy_data_dir(migrated, tmp_path_factory.mktemp("cleanup_reference")),
    )
    cleanup_player(chain.reference, PLAYER, out=quiet)
    chain.kill_at_every_step("cleanup", CLEANUP_STEPS)
    return chain


def test_the_cleanup_was_killed_at_every_step(cleanup_chain: Chain) -> None:
    assert [o.step for o in cleanup_chain.observed] == list(CLEANUP_STEPS)
    for seen in cleanup_chain.observed:
        assert seen.returncode == KILLED, (seen.step, seen.stderr[-2000:])
        assert f"[{ENV_VAR}] killed at step {seen.step}" in seen.stderr
    assert cleanup_chain.final is not None and cleanup_chain.final.returncode == 0


def test_each_kill_left_the_db_either_as_it_was_or_cleaned(cleanup_chain: Chain) -> None:
    original = file_hash(cleanup_chain.start.player_db(PLAYER))
    chain = cleanup_chain
    for step in ("after_gate", "during_backup", "after_backup", "during_drop"):
        seen = chain.at(step)
        assert seen.state == ORIGINAL and seen.db_hash == original, step
    for step in ("after_drop", "after_views", "after_checks", "before_swap", "after_swap"):
        assert chain.at(step).state == CLEANED, step
    assert chain.at("after_gate").backup_folders == []
    (partial,) = chain.at("during_backup").backup_folders
    assert partial[1] is False  # killed during its copy: no manifest
    # the next run removed the incomplete folder, and every later one used its backup again
    (complete,) = chain.at("after_backup").backup_folders
    assert complete[0] != partial[0] and complete[1] is True
    for seen in chain.observed[3:]:
        assert seen.backup_folders == [complete], seen.step
    assert chain.at("before_swap").leftovers == [compact_path(Path("stats.duckdb")).name]
    assert chain.at("after_swap").leftovers == []


def test_after_the_rerun_the_cleanup_ends_as_an_uninterrupted_one(cleanup_chain: Chain) -> None:
    killed = cleanup_chain.killed
    reference = cleanup_chain.reference
    path, expected = killed.player_db(PLAYER), reference.player_db(PLAYER)
    assert inspect_player_db(path).state == CLEANED
    assert relation_contents(path, killed.warehouse, VOLATILE) == relation_contents(
        expected, reference.warehouse, VOLATILE
    )
    # the same three views (their SQL may list the DB's event-type spellings in another
    # order: cleanup reads them with a select distinct without an order)
    assert [name for name, _ in view_sql(path)] == [name for name, _ in view_sql(expected)]
    assert sorted(p.name for p in path.parent.iterdir()) == ["stats.duckdb"]
    assert backups_of(killed) == backups_of(reference)
    assert len(backups_of(killed)) == 1
    start = file_hash(cleanup_chain.start.warehouse)
    assert file_hash(killed.warehouse) == start == file_hash(reference.warehouse)
    # nothing lost: the backup is the player DB as it was before the first run
    (backup,) = list_backups(killed, PLAYER)
    assert file_hash(backup.db_path) == file_hash(cleanup_chain.start.player_db(PLAYER))


# --- restore ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def restore_chain(cleanup_chain: Chain, tmp_path_factory: pytest.TempPathFactory) -> Chain:
    cleaned = cleanup_chain.reference
    chain = Chain(
        start=cleaned,
        killed=copy_data_dir(cleaned, tmp_path_factory.mktemp("restore_killed"), EVERYTHING),
        reference=copy_data_dir(cleaned, tmp_path_factory.mktemp("restore_ref"), EVERYTHING),
    )
    restore_player(chain.reference, PLAYER, out=quiet)
    chain.kill_at_every_step("restore", RESTORE_STEPS)
    return chain


def test_the_restore_was_killed_at_every_step(restore_chain: Chain) -> None:
    assert [o.step for o in restore_chain.observed] == list(RESTORE_STEPS)
    cleaned = file_hash(restore_chain.start.player_db(PLAYER))
    for seen in restore_chain.observed:
        assert seen.returncode == KILLED, (seen.step, seen.stderr[-2000:])
        assert seen.state == CLEANED and seen.db_hash == cleaned, seen.step
    assert restore_chain.at("after_safety_copy").leftovers == []
    assert restore_chain.at("before_swap").leftovers == [staging_path(Path("stats.duckdb")).name]
    # the safety copy of the first run was used again by the second
    first, second = (o.backup_folders for o in restore_chain.observed)
    assert first == second and len(first) == 2
    assert restore_chain.final is not None and restore_chain.final.returncode == 0


def test_after_the_rerun_the_restore_ends_as_an_uninterrupted_one(restore_chain: Chain) -> None:
    killed, reference = restore_chain.killed, restore_chain.reference
    path = killed.player_db(PLAYER)
    assert file_hash(path) == file_hash(reference.player_db(PLAYER))
    assert inspect_player_db(path).state == ORIGINAL
    assert sorted(p.name for p in path.parent.iterdir()) == ["stats.duckdb"]
    assert backups_of(killed) == backups_of(reference)
    # nothing lost: the cleaned DB is kept as the pre-restore backup
    safety = list_backups(killed, PLAYER)[-1]
    assert file_hash(safety.db_path) == file_hash(restore_chain.start.player_db(PLAYER))
    assert file_hash(killed.warehouse) == file_hash(reference.warehouse)


# --- the landing (ingest: the sync's path without the API) -------------------------------


def recorded_responses() -> Path:
    root = os.environ.get("HALO_API_FIXTURES") or PROJECT_ROOT.parent / "shared/fixtures/halo-api"
    assert Path(root).is_dir(), f"the recorded Halo API responses are missing: {root}"
    return Path(root)


INGEST_PLAYER, INGEST_XUID = "aCurtis X89", "2535445291321133"


def landed_responses(data_dir: DataDir) -> set[tuple]:
    con = duckdb.connect(str(landing_path(data_dir)), read_only=True)
    try:
        return set(
            con.execute(
                "select kind, match_id, player_xuid, request, http_status, "
                "md5(payload::varchar), md5(body), film_version from responses"
            ).fetchall()
        )
    finally:
        con.close()


def stamped_now(contents: dict[str, list[tuple]], since: datetime) -> dict[str, list[tuple]]:
    """Contents with every timestamp of the test's own runs (when a response was landed or
    merged: the recorded data is older) replaced by one token, rows sorted again."""

    def value(v):
        return "<landed or merged during the test>" if isinstance(v, datetime) and v >= since else v

    return {
        name: sorted((tuple(value(v) for v in row) for row in rows), key=repr)
        for name, rows in contents.items()
    }


def test_an_ingest_killed_mid_match_then_run_again_loses_nothing(tmp_path: Path) -> None:
    since = datetime.now() - timedelta(minutes=1)
    reference = DataDir(tmp_path / "reference")
    ingest_recorded(reference, INGEST_PLAYER, recorded_responses(), xuid=INGEST_XUID)
    killed = DataDir(tmp_path / "killed")
    args = ("ingest", "--player", INGEST_PLAYER, "--xuid", INGEST_XUID)
    done = run_cli(killed, *args, "--from", str(recorded_responses()), fail_at=MID_MATCH_STEP)
    assert done.returncode == KILLED, done.stderr[-2000:]
    assert f"killed at step {MID_MATCH_STEP}" in done.stderr
    assert not killed.player_db(INGEST_PLAYER).exists()  # killed before any build

    ingest_recorded(killed, INGEST_PLAYER, recorded_responses(), xuid=INGEST_XUID)

    assert landed_responses(killed) == landed_responses(reference)
    for path in (lambda d: d.warehouse, lambda d: d.player_db(INGEST_PLAYER)):
        assert stamped_now(relation_contents(path(killed), None, VOLATILE), since) == stamped_now(
            relation_contents(path(reference), None, VOLATILE), since
        )


# --- a migrate killed in the middle of its dbt build -----------------------------------


def test_a_migrate_killed_mid_build_leaves_the_warehouse_as_it_was(
    migrated: DataDir, tmp_path: Path
) -> None:
    start = copy_data_dir(migrated, tmp_path / "start")
    append_new_matches(start, PLAYER, 3, seed=12)
    killed = copy_data_dir(start, tmp_path / "killed")
    reference = copy_data_dir(start, tmp_path / "reference")
    before = relation_contents(start.warehouse)

    process = subprocess.Popen(
        [sys.executable, "-m", "shared_matches.cli", "--data-dir", str(killed.root)]
        + ["migrate", "--players", PLAYER, "--no-report"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = []
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if "staged highlight_events" in line:  # threads may share a line
            process.send_signal(signal.SIGKILL)
            break
    process.wait()
    assert process.returncode == KILLED, "".join(seen)[-3000:]

    # (the phase-2 build reloads the seed game_variant_categories before the publish, in its
    # own transaction: a kill can leave that in the log; its rows are the same)
    assert relation_contents(killed.warehouse) == before

    said: list[str] = []
    migrate_players(killed, [PLAYER], say=said.append)
    migrate_players(reference, [PLAYER], say=quiet)
    assert not any("WAL" in line for line in said), said  # "Failure while replaying WAL"
    skip = {"merged_sources": {"merged_at"}, "read_layer_pending": {"*"}}
    assert relation_contents(killed.warehouse, skip_columns=skip) == relation_contents(
        reference.warehouse, skip_columns=skip
    )
    assert relation_contents(killed.warehouse, skip_columns=skip) != relation_contents(
        start.warehouse, skip_columns=skip
    )

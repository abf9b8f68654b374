"""Names are data: players whose folder names are SQL, Jinja or glob text, in a data dir whose
path holds a quote, are migrated, ingested (the sync's path: land, merge, write the player's
rows), cleaned up and restored like any other; nothing of a name is ever executed as SQL or
rendered as Jinja.

The player DBs are copies of the small demo set's. Everything runs through the command line
(``shared_matches.cli.main``) in this process, from a scratch working directory.
"""

from __future__ import annotations

import io
import os
import shutil
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from hardening_helpers import file_hash, relation_contents
from shared_matches.cleanup.backup import KIND_PRE_CLEANUP, list_backups
from shared_matches.cleanup.state import CLEANED, ORIGINAL, inspect_player_db
from shared_matches.cli import main
from shared_matches.paths import PROJECT_ROOT, DataDir
from shared_matches.player_identity import read_player_xuid

# folder name -> the demo player whose DB it holds
HOSTILE = {
    "O'Neil": "Chocoboflor",
    "x'); copy (select 42 as pwned) to 'PWNED.csv'; --": "JGtm",
    "{{ 7*7 }}": "Madina97294",
    "a*b?[c]": "xxdameongamerxx",
}
# a new player, created by an ingest of the recorded API responses
INGESTED = "Z'?{{ 7*7 }}"
INGESTED_XUID = "2535445291321133"  # the owner of the recorded films
PAYLOAD_FILES = ("PWNED.csv", "PWNED2.csv", "PWNED3.csv")


def recorded_responses() -> Path:
    root = os.environ.get("HALO_API_FIXTURES") or PROJECT_ROOT.parent / "shared/fixtures/halo-api"
    path = Path(root)
    assert path.is_dir(), f"the recorded Halo API responses are missing: {path}"
    return path


@dataclass
class Command:
    args: list[str]
    returncode: int
    out: str
    err: str


@dataclass
class HostileRun:
    data_dir: DataDir
    scratch: Path
    originals: dict[str, str]  # player -> hash of its DB before anything ran
    commands: list[Command] = field(default_factory=list)
    states_after_cleanup: dict[str, str] = field(default_factory=dict)
    hashes_after_restore: dict[str, str] = field(default_factory=dict)
    pre_cleanup_backup_hashes: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str) -> Command:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["--data-dir", str(self.data_dir.root), *args])
        command = Command(list(args), code, out.getvalue(), err.getvalue())
        self.commands.append(command)
        return command


@pytest.fixture(scope="module")
def hostile(small_players_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> HostileRun:
    top = tmp_path_factory.mktemp("hostile")
    data_dir = DataDir(top / "it's data")
    scratch = top / "cwd"
    scratch.mkdir()
    originals = {}
    for folder, demo in HOSTILE.items():
        target = data_dir.player_db(folder)
        target.parent.mkdir(parents=True)
        shutil.copyfile(small_players_dir / demo / "stats.duckdb", target)
        originals[folder] = file_hash(target)
    result = HostileRun(data_dir, scratch, originals)
    before = Path.cwd()
    os.chdir(scratch)
    try:
        result.run("migrate", "--no-report")
        result.run(
            "ingest",
            "--player",
            INGESTED,
            "--xuid",
            INGESTED_XUID,
            "--from",
            str(recorded_responses()),
        )
        result.run("cleanup", "--all")
        for player in data_dir.discover_players():
            result.states_after_cleanup[player] = inspect_player_db(
                data_dir.player_db(player)
            ).state
            backups = list_backups(data_dir, player, KIND_PRE_CLEANUP)
            result.pre_cleanup_backup_hashes[player] = file_hash(backups[-1].db_path)
        for player in data_dir.discover_players():
            result.run("restore", "--player", player)
            result.hashes_after_restore[player] = file_hash(data_dir.player_db(player))
    finally:
        os.chdir(before)
    return result


def test_every_command_succeeds(hostile: HostileRun) -> None:
    for command in hostile.commands:
        assert command.returncode == 0, (command.args, command.err[-2000:])
    assert sorted(hostile.data_dir.discover_players()) == sorted([*HOSTILE, INGESTED])


def payload_files(hostile: HostileRun) -> list[Path]:
    roots = [hostile.data_dir.root.parent, PROJECT_ROOT / "target"]
    found = [p for root in roots for name in PAYLOAD_FILES for p in root.rglob(name)]
    return found + [PROJECT_ROOT / n for n in PAYLOAD_FILES if (PROJECT_ROOT / n).exists()]


def test_no_name_was_executed_as_sql(hostile: HostileRun) -> None:
    assert payload_files(hostile) == []


def test_no_name_was_rendered_as_jinja(hostile: HostileRun) -> None:
    rendered_names = {name.replace("{{ 7*7 }}", "49") for name in [*HOSTILE, INGESTED]} - {
        *HOSTILE,
        INGESTED,
    }
    parts = {part for p in hostile.data_dir.root.rglob("*") for part in p.parts}
    assert rendered_names and not parts & rendered_names
    names = {p.name for p in hostile.data_dir.players_dir.iterdir()}
    assert names == {*HOSTILE, INGESTED}


def test_every_player_was_merged_under_its_own_xuid(hostile: HostileRun) -> None:
    con = duckdb.connect(str(hostile.data_dir.warehouse), read_only=True)
    try:
        players = dict(
            con.execute("select player_xuid, count(*) from match_players group by 1").fetchall()
        )
        ingested = con.execute(
            "select distinct player_gamertag from match_players where player_xuid = ?",
            [INGESTED_XUID],
        ).fetchall()
    finally:
        con.close()
    for folder in HOSTILE:
        db = duckdb.connect(str(hostile.data_dir.player_db(folder)), read_only=True)
        try:
            xuid = read_player_xuid(db, folder)
            matches = db.execute("select count(*) from match_stats").fetchone()[0]
        finally:
            db.close()
        assert players[xuid] == matches, folder
    # the name the ingest was given is stored as it is (not rendered, not cut at the quote)
    assert ingested == [(INGESTED,)]


def test_every_player_was_cleaned_up_then_restored_byte_for_byte(hostile: HostileRun) -> None:
    assert hostile.states_after_cleanup == {p: CLEANED for p in [*HOSTILE, INGESTED]}
    assert hostile.hashes_after_restore == hostile.pre_cleanup_backup_hashes
    for folder, original in hostile.originals.items():
        assert hostile.hashes_after_restore[folder] == original, folder
        assert inspect_player_db(hostile.data_dir.player_db(folder)).state == ORIGINAL


@pytest.mark.parametrize(
    "args",
    [
        ["restore", "--player", ".."],
        ["cleanup", "--player", "."],
        ["restore", "--player", "O'Neil", "--backup", "../{{ 7*7 }}"],
    ],
)
def test_a_name_that_leads_out_of_its_folder_is_refused(
    hostile: HostileRun, args: list[str]
) -> None:
    before = {
        p: file_hash(hostile.data_dir.player_db(p)) for p in hostile.data_dir.discover_players()
    }
    command = hostile.run(*args)
    hostile.commands.remove(command)
    assert command.returncode == 2
    lines = command.err.strip().splitlines()
    assert len(lines) == 1 and "is not a valid" in lines[0] and "folder name" in lines[0], lines
    assert before == {p: file_hash(hostile.data_dir.player_db(p)) for p in before}


def test_hostile_column_names_are_quoted_never_executed(hostile: HostileRun) -> None:
    """A DB whose tables have columns named like SQL: the cleanup compiles them as quoted
    names, fails on them (the warehouse has no such column) and changes nothing."""
    player = "O'Neil"
    path = hostile.data_dir.player_db(player)
    con = duckdb.connect(str(path))
    try:
        con.execute(
            'alter table match_participants add column "x"" as varchar) as y, (select 1 from '
            "(copy (select 42 as pwned) to 'PWNED2.csv')) as z --\" varchar"
        )
        con.execute(
            "alter table xuid_aliases add column \"q'); copy (select 1) to 'PWNED3.csv'; --\" "
            "varchar"
        )
    finally:
        con.close()
    before = file_hash(path)
    backups = len(list_backups(hostile.data_dir, player))
    cwd = Path.cwd()
    os.chdir(hostile.scratch)
    try:
        command = hostile.run("cleanup", "--player", player)
    finally:
        os.chdir(cwd)
    hostile.commands.remove(command)
    assert command.returncode == 2
    lines = command.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines  # no traceback
    assert payload_files(hostile) == []
    assert file_hash(path) == before
    assert len(list_backups(hostile.data_dir, player)) == backups
    assert inspect_player_db(path).state == ORIGINAL
    assert relation_contents(path)["match_participants"]

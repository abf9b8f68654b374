"""Two players' copies of a match disagree on a non-NULL value (a participant's kills: 63 in
one DB, 13 in the other). The warehouse keeps one of them; the cleanup of the player whose
value it did not keep would make that value vanish from their own views, so it refuses,
names the difference and writes nothing, unless the user accepts the warehouse's values
(--accept-warehouse-values): then it proceeds, counts the conflict, and the player's value
stays in the backup."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from hardening_helpers import cli, copy_data_dir, tree_hashes
from helpers import quiet
from shared_matches.cleanup.state import CLEANED, ORIGINAL, inspect_player_db
from shared_matches.cleanup.steps import CONFLICT, cleanup_player
from shared_matches.migrate import migrate_players
from shared_matches.paths import WAREHOUSE_CATALOG, DataDir

PLAYERS = ("Chocoboflor", "xxdameongamerxx")  # every match of the second is in the first's DB
VALUES = {"Chocoboflor": 63, "xxdameongamerxx": 13}


@dataclass
class Conflict:
    data_dir: DataDir
    match_id: str
    xuid: str
    kept: int
    loser: str  # the player whose value the warehouse did not keep


def shared_participant(a: Path, b: Path) -> tuple[str, str]:
    """A participant row (match, xuid) both DBs hold, of someone who owns neither DB."""
    con = duckdb.connect(str(a), read_only=True)
    try:
        con.execute(f"attach '{b}' as other (read_only)")
        return con.execute(
            "select p.match_id, p.xuid from match_participants as p "
            "join other.match_participants as q using (match_id, xuid) "
            "where p.kills is not null and p.xuid not in "
            "(select xuid from player_match_stats union select xuid from "
            "other.player_match_stats) order by 1, 2 limit 1"
        ).fetchone()
    finally:
        con.close()


def set_kills(path: Path, match_id: str, xuid: str, kills: int) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "update match_participants set kills = ? where match_id = ? and xuid = ?",
            [kills, match_id, xuid],
        )
    finally:
        con.close()


def kills_in(path: Path, match_id: str, xuid: str, warehouse: Path | None = None) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        if warehouse is not None:
            con.execute(f"attach '{warehouse}' as {WAREHOUSE_CATALOG} (read_only)")
        return con.execute(
            "select kills from match_participants where match_id = ? and xuid = ?",
            [match_id, xuid],
        ).fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def conflict(small_players_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Conflict:
    data_dir = DataDir(tmp_path_factory.mktemp("conflict"))
    for player in PLAYERS:
        data_dir.player_db(player).parent.mkdir(parents=True)
        shutil.copyfile(small_players_dir / player / "stats.duckdb", data_dir.player_db(player))
    match_id, xuid = shared_participant(*(data_dir.player_db(p) for p in PLAYERS))
    for player, kills in VALUES.items():
        set_kills(data_dir.player_db(player), match_id, xuid, kills)
    migrate_players(data_dir, say=quiet)
    con = duckdb.connect(str(data_dir.warehouse), read_only=True)
    try:
        kept = con.execute(
            "select kills from match_participants where match_id = ? and xuid = ?",
            [match_id, xuid],
        ).fetchone()[0]
    finally:
        con.close()
    assert kept in VALUES.values()
    loser = next(p for p, kills in VALUES.items() if kills != kept)
    return Conflict(data_dir, match_id, xuid, kept, loser)


def test_the_cleanup_refuses_names_the_difference_and_writes_nothing(
    conflict: Conflict, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree_hashes(conflict.data_dir.root)
    result = cli(capsys, conflict.data_dir, "cleanup", "--player", conflict.loser)

    assert result.returncode == 2
    own = VALUES[conflict.loser]
    assert "1 value(s)" in result.err
    assert (
        f"match_participants: 1 conflict (e.g. {conflict.match_id} / {conflict.xuid} "
        f"kills: {own} -> {conflict.kept})" in result.err
    ), result.err
    assert "--accept-warehouse-values" in result.err and "nothing was written" in result.err
    assert tree_hashes(conflict.data_dir.root) == before  # no backup, no byte changed
    assert not conflict.data_dir.backups_dir.exists()
    assert inspect_player_db(conflict.data_dir.player_db(conflict.loser)).state == ORIGINAL


def test_accepting_the_warehouse_values_cleans_up_and_counts_the_conflict(
    conflict: Conflict, tmp_path: Path
) -> None:
    data_dir = copy_data_dir(conflict.data_dir, tmp_path)
    said: list[str] = []
    outcome = cleanup_player(
        data_dir, conflict.loser, accept_warehouse_values=True, out=said.append
    )

    assert outcome.differences.total(CONFLICT) == 1
    conflicts = {k: n for k, n in outcome.differences.counts.items() if k[1] == CONFLICT}
    assert conflicts == {("match_participants", CONFLICT): 1}
    assert any("1 conflicting value(s) accepted" in line for line in said), said
    path = data_dir.player_db(conflict.loser)
    assert inspect_player_db(path).state == CLEANED
    # the view shows the warehouse's value; the player's own stays in the backup
    assert kills_in(path, conflict.match_id, conflict.xuid, data_dir.warehouse) == conflict.kept
    own = kills_in(outcome.backup.db_path, conflict.match_id, conflict.xuid)
    assert own == VALUES[conflict.loser]

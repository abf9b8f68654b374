"""`shared-matches ingest`: recorded API responses into a v4 player DB (no warehouse build)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from fake_halo_api import ODDBALL_ID, fixtures_dir
from reference_transform import human_players
from shared_matches.cli import main
from shared_matches.ingest import ingest_recorded
from shared_matches.paths import DataDir, UserError

ROOT = fixtures_dir()
OWNER = ("aCurtis X89", "2535445291321133")


def recorded_stats() -> list[dict]:
    paths = sorted((ROOT / "responses").glob("get_match_stats*.json"))
    return [json.loads(p.read_text()) for p in paths + [ROOT / "film" / "match_stats.json"]]


def counts(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def link_dir(tmp_path: Path, files: dict[str, Path]) -> Path:
    """A directory of symlinks to recorded files (nothing is copied)."""
    root = tmp_path / "recorded"
    for name, target in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).symlink_to(target)
    return root


def test_ingest_of_the_fixtures_dir_writes_every_match_of_the_owner(tmp_path: Path) -> None:
    data_dir = DataDir(tmp_path / "data")
    summary = ingest_recorded(data_dir, OWNER[0], ROOT, build=False)

    mine = [s for s in recorded_stats() if OWNER[1] in dict(human_players(s))]
    assert summary.xuid == OWNER[1]  # found through the gamertag in the oddball film
    assert sorted(summary.written) == sorted(s["MatchId"].lower() for s in mine)
    db = data_dir.player_db(OWNER[0])
    per_match = dict(counts(db, "select match_id, count(*) from match_participants group by 1"))
    assert per_match == {s["MatchId"].lower(): len(human_players(s)) for s in mine}
    events = dict(counts(db, "select match_id, count(*) from highlight_events group by 1"))
    assert events == {ODDBALL_ID: 640}
    meta = dict(counts(db, "select key, value from sync_meta"))
    assert meta["xuid"] == OWNER[1] and meta["gamertag"] == OWNER[0]
    assert any("get_match_skill.json" in u for u in summary.unused)

    # Ingesting again replaces the matches: same rows, no duplicates.
    before = counts(
        db,
        "select count(*) from highlight_events union all "
        "select count(*) from match_participants union all "
        "select count(*) from medals_earned",
    )
    ingest_recorded(data_dir, OWNER[0], ROOT, build=False)
    after = counts(
        db,
        "select count(*) from highlight_events union all "
        "select count(*) from match_participants union all "
        "select count(*) from medals_earned",
    )
    assert after == before


def test_a_skill_file_named_after_its_match_fills_player_match_stats(tmp_path: Path) -> None:
    skill = json.loads((ROOT / "responses" / "get_match_skill.json").read_text())
    source = link_dir(
        tmp_path,
        {
            "stats/oddball.json": ROOT / "responses" / "get_match_stats_oddball.json",
            f"skill/skill_{ODDBALL_ID}.json": ROOT / "responses" / "get_match_skill.json",
            f"film/38_{ODDBALL_ID}.gzip": ROOT / "film" / f"38_{ODDBALL_ID}.gzip",
        },
    )
    data_dir = DataDir(tmp_path / "data")
    ingest_recorded(data_dir, OWNER[0], source, build=False)
    rows = counts(
        data_dir.player_db(OWNER[0]),
        "select match_id, xuid, team_mmr, kills_expected from player_match_stats",
    )
    result = skill["Value"][0]["Result"]
    assert rows == [
        (ODDBALL_ID, OWNER[1], result["TeamMmr"], result["StatPerformances"]["Kills"]["Expected"])
    ]


def test_unknown_owner_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="Pass --xuid"):
        ingest_recorded(DataDir(tmp_path / "data"), "NobodyHere", ROOT, build=False)


def test_cli_ingest_with_explicit_xuid_skips_matches_the_owner_did_not_play(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    salmon = "2535412760927018"
    code = main(
        [
            "--data-dir",
            str(tmp_path / "data"),
            "ingest",
            "--player",
            "Salmon",
            "--xuid",
            salmon,
            "--from",
            str(ROOT),
            "--no-build",
        ]
    )
    out = capsys.readouterr().out
    played = [s for s in recorded_stats() if salmon in dict(human_players(s))]
    assert code == 0
    assert f"{len(played)} matches written" in out
    assert out.count("did not play it") == len(recorded_stats()) - len(played)

"""How a sync behaves when things go wrong: throttling, rejected tokens, broken responses,
a write failing in the middle of a match. Real spnkr client against the local fake API,
real DuckDB player DBs; no warehouse build."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from shared_matches.sync.player_store import MATCH_TABLES, PlayerStore

from fake_halo_api import (
    CLEARANCE,
    TOKEN,
    FakeHaloApi,
    generated_id,
    generated_xuid,
    roster,
    sync_with_fake_api,
)
from shared_matches.cli import main
from shared_matches.paths import DataDir, UserError
from shared_matches.sync.api_client import ApiError, TokenRejected

PLAYER = ("FailTester", generated_xuid("FailTester"))
START = datetime(2025, 3, 1, 18)


@pytest.fixture
def fake() -> Iterator[FakeHaloApi]:
    api = FakeHaloApi()
    api.add_user(*PLAYER)
    with api.running_in_thread():
        yield api


def add_matches(fake: FakeHaloApi, labels: list[str]) -> list[str]:
    """Generated matches of PLAYER, one hour apart (oldest first), served and in his history."""
    ids = []
    for hour, label in enumerate(labels):
        match_id = generated_id(f"failures/{label}")
        players = roster([(PLAYER[1], PLAYER[0])], label)
        fake.add_generated_match(match_id, START + timedelta(hours=hour), players)
        ids.append(match_id)
    fake.set_history(PLAYER[1], ids)
    return ids


def rows_of(data_dir: DataDir, match_id: str) -> dict[str, int]:
    con = duckdb.connect(str(data_dir.player_db(PLAYER[0])), read_only=True)
    try:
        return {
            t: con.execute(f"select count(*) from {t} where match_id = ?", [match_id]).fetchone()[0]
            for t in MATCH_TABLES
        }
    finally:
        con.close()


def test_429_with_retry_after_is_waited_out_then_succeeds(
    fake: FakeHaloApi, tmp_path: Path
) -> None:
    [match_id] = add_matches(fake, ["throttled"])
    fake.fail("match_stats", 429, headers={"Retry-After": "1"})
    fake.fail("match_skill", 503)  # no Retry-After: exponential backoff
    summary = sync_with_fake_api(fake, DataDir(tmp_path), PLAYER[0], build=False)
    assert summary.new == [match_id]
    assert fake.requests["match_stats"] == 2 and fake.requests["match_skill"] == 2
    assert summary.retries["match_stats"] == 1 and summary.retries["match_skill"] == 1
    assert summary.waited_seconds >= 1.0  # the Retry-After second was honoured
    assert rows_of(DataDir(tmp_path), match_id)["highlight_events"] > 0


def test_a_server_that_keeps_failing_stops_the_sync_clearly(
    fake: FakeHaloApi, tmp_path: Path
) -> None:
    [match_id] = add_matches(fake, ["down"])
    fake.fail("film_manifest", 502, times=100)
    errors: list[BaseException] = []
    summary = sync_with_fake_api(fake, DataDir(tmp_path), PLAYER[0], build=False, errors=errors)
    [error] = errors
    assert isinstance(error, ApiError) and "kept failing on film_manifest" in str(error)
    assert summary.new == [] and fake.calls_for(match_id)["film_manifest"] == 4  # attempts
    assert not DataDir(tmp_path).player_db(PLAYER[0]).exists()  # nothing was written


def test_a_rejected_token_is_a_clear_user_error(fake: FakeHaloApi, tmp_path: Path) -> None:
    add_matches(fake, ["any"])
    with pytest.raises(TokenRejected, match="rejected the token .*HTTP 401") as info:
        sync_with_fake_api(fake, DataDir(tmp_path), PLAYER[0], spartan_token="expired")
    assert "HALO_SPARTAN_TOKEN" in str(info.value)
    assert not DataDir(tmp_path).player_db(PLAYER[0]).exists()  # no empty DB left behind


def test_cli_sync_prints_the_summary_or_the_token_error(
    fake: FakeHaloApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = add_matches(fake, ["cli-1", "cli-2"])
    argv = ["--data-dir", str(tmp_path), "sync", "--player", PLAYER[0], "--no-build"]
    argv += ["--api-base-url", fake.base_url, "--requests-per-second", "1000"]
    monkeypatch.setenv("HALO_SPARTAN_TOKEN", "expired")
    monkeypatch.setenv("HALO_CLEARANCE_TOKEN", CLEARANCE)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: The Halo API rejected the token") and "Traceback" not in err

    monkeypatch.setenv("HALO_SPARTAN_TOKEN", TOKEN)
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"matches: {len(ids)} new" in out and "API calls:" in out


def test_missing_tokens_say_where_to_put_them(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("HALO_SPARTAN_TOKEN", raising=False)
    monkeypatch.delenv("HALO_TOKENS_FILE", raising=False)
    from shared_matches.sync.api_client import load_tokens

    with pytest.raises(UserError, match="HALO_SPARTAN_TOKEN"):
        load_tokens(DataDir(tmp_path))
    (tmp_path / "halo_tokens.json").write_text('{"spartan_token": "s", "clearance_token": "c"}')
    tokens = load_tokens(DataDir(tmp_path))
    assert (tokens.spartan, tokens.clearance) == ("s", "c")


def test_a_match_lacking_required_fields_is_skipped_and_reported(
    fake: FakeHaloApi, tmp_path: Path
) -> None:
    good_old, broken, good_new = add_matches(fake, ["good-old", "broken", "good-new"])
    del fake.matches[broken].stats["MatchInfo"]["StartTime"]
    summary = sync_with_fake_api(fake, DataDir(tmp_path), PLAYER[0], build=False)
    assert summary.new == [good_old, good_new]
    assert summary.skipped == [(broken, "match stats lacks required field MatchInfo.StartTime")]
    assert f"skipped {broken}: match stats lacks required field" in summary.format()
    assert set(rows_of(DataDir(tmp_path), broken).values()) == {0}


def test_a_failure_mid_match_leaves_nothing_of_it_and_the_next_sync_resumes(
    fake: FakeHaloApi, tmp_path: Path
) -> None:
    first, bad, last = add_matches(fake, ["tx-first", "tx-bad", "tx-last"])
    players = fake.matches[bad].stats["Players"]
    players.append(dict(players[-1]))  # same xuid twice: the roster insert violates its key
    data_dir = DataDir(tmp_path)
    errors: list[BaseException] = []
    summary = sync_with_fake_api(fake, data_dir, PLAYER[0], build=False, errors=errors)

    [error] = errors
    assert isinstance(error, UserError) and "rolled back" in str(error)
    assert summary.new == [first]
    assert rows_of(data_dir, first)["match_stats"] == 1
    # match_stats was inserted before the roster failed: the rollback removed it too
    assert set(rows_of(data_dir, bad).values()) == {0}
    assert set(rows_of(data_dir, last).values()) == {0}  # the sync stopped at the failure

    players.pop()
    again = sync_with_fake_api(fake, data_dir, PLAYER[0], build=False)
    assert again.new == [bad, last] and again.stopped_at == first
    assert rows_of(data_dir, bad)["highlight_events"] > 0


def test_a_cleaned_up_player_db_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "players" / PLAYER[0] / "stats.duckdb"
    path.parent.mkdir(parents=True)
    con = duckdb.connect(str(path))
    con.execute("create view highlight_events as select 1 as id")
    con.close()
    with pytest.raises(UserError, match="cleaned up"):
        PlayerStore.open(path)

"""How a sync behaves when things go wrong: throttling, a server that keeps failing, rejected
tokens, broken responses, a film chunk that does not decode, a landing DB that is locked or
corrupt, a process killed in the middle of a match. Real spnkr client against the local fake
API, real DuckDB files; the phase-3 build only where the test needs the player's rows."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from helpers import rows
from shared_matches.cli import main
from shared_matches.failpoints import ENV_VAR
from shared_matches.landing.schema import landing_path
from shared_matches.landing.store import MID_MATCH_STEP, LandingError
from shared_matches.paths import PROJECT_ROOT, DataDir, UserError
from shared_matches.sync.api_client import ApiError, TokenRejected
from shared_matches.testing.fake_halo_api import (
    CLEARANCE,
    TOKEN,
    FakeHaloApi,
    generated_id,
    generated_xuid,
    roster,
    sync_with_fake_api,
)

PLAYER = ("FailTester", generated_xuid("FailTester"))
START = datetime(2025, 3, 1, 18)
PLAYER_TABLES = ("match_stats", "match_participants", "highlight_events", "medals_earned")


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
    """The player DB's rows of one match, per table."""
    path = data_dir.player_db(PLAYER[0])
    return {
        t: rows(path, f"select count(*) from {t} where match_id = ?", [match_id])[0][0]
        for t in PLAYER_TABLES
    }


def landed(data_dir: DataDir, match_id: str) -> dict[str, int]:
    """The landing's responses about one match, per kind."""
    path = landing_path(data_dir)
    if not path.is_file():
        return {}
    sql = "select kind, count(*) from responses where match_id = ? group by 1"
    return dict(rows(path, sql, [match_id]))


def test_429_with_retry_after_is_waited_out_then_succeeds(
    fake: FakeHaloApi, tmp_path: Path
) -> None:
    [match_id] = add_matches(fake, ["throttled"])
    fake.fail("match_stats", 429, headers={"Retry-After": "1"})
    fake.fail("match_skill", 503)  # no Retry-After: exponential backoff
    data_dir = DataDir(tmp_path)
    summary = sync_with_fake_api(fake, data_dir, PLAYER[0], build=False)
    assert summary.new == [match_id]
    assert fake.requests["match_stats"] == 2 and fake.requests["match_skill"] == 2
    assert summary.retries["match_stats"] == 1 and summary.retries["match_skill"] == 1
    assert summary.waited_seconds >= 1.0  # the Retry-After second was honoured
    # landed once each: the failed attempts left nothing
    assert landed(data_dir, match_id) == {
        "match_stats": 1,
        "match_skill": 1,
        "film_manifest": 1,
        "film_chunk": 1,
    }


def test_a_server_that_keeps_failing_stops_the_sync_clearly(
    fake: FakeHaloApi, tmp_path: Path
) -> None:
    [match_id] = add_matches(fake, ["down"])
    fake.fail("film_manifest", 502, times=100)
    data_dir = DataDir(tmp_path)
    errors: list[BaseException] = []
    summary = sync_with_fake_api(fake, data_dir, PLAYER[0], errors=errors)
    [error] = errors
    assert isinstance(error, ApiError) and "kept failing on film_manifest" in str(error)
    assert "\n" not in str(error)
    assert summary.new == [] and fake.calls_for(match_id)["film_manifest"] == 4  # attempts
    assert landed(data_dir, match_id) == {}  # nothing of the match was landed
    assert not data_dir.player_db(PLAYER[0]).exists()  # nor written


def test_a_failure_after_some_matches_keeps_them_merged_and_written(
    fake: FakeHaloApi, tmp_path: Path
) -> None:
    first, second = add_matches(fake, ["kept", "failing"])
    fake.fail("match_skill", 503, times=100, match_id=second)  # the API gives up on it
    data_dir = DataDir(tmp_path)
    errors: list[BaseException] = []
    summary = sync_with_fake_api(fake, data_dir, PLAYER[0], errors=errors)
    [error] = errors
    assert isinstance(error, ApiError) and "kept failing on match_skill" in str(error)
    assert summary.new == [first] and summary.build_seconds
    assert rows_of(data_dir, first)["highlight_events"] == 640  # merged and written
    assert set(rows_of(data_dir, second).values()) == {0}
    assert landed(data_dir, second) == {}


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


def test_broken_responses_are_reported_in_one_line_and_land_nothing_half_way(
    fake: FakeHaloApi, tmp_path: Path
) -> None:
    """A match whose stats lack a required field is skipped (no other call is made for it,
    nothing of it is landed); a match whose film chunk does not decode is landed whole, its
    raw chunk and the decode error kept, and written without events; the others as usual."""
    good_old, broken, undecodable, good_new = add_matches(
        fake, ["good-old", "broken", "undecodable", "good-new"]
    )
    del fake.matches[broken].stats["MatchInfo"]["StartTime"]
    fake.break_film(undecodable, "undecodable")
    data_dir = DataDir(tmp_path)
    summary = sync_with_fake_api(fake, data_dir, PLAYER[0])

    assert summary.new == [good_old, undecodable, good_new]
    assert summary.skipped == [(broken, "match stats lacks required field MatchInfo.StartTime")]
    [(match_id, reason)] = summary.no_film
    assert match_id == undecodable and reason.startswith("unreadable highlight-events chunk: ")
    text = summary.format()
    assert f"skipped {broken}: match stats lacks required field MatchInfo.StartTime\n" in text
    assert f"no events for {undecodable}: unreadable highlight-events chunk" in text

    # the broken match: one call, nothing landed, nothing written, not in the warehouse
    assert fake.calls_for(broken) == {"match_stats": 1}
    assert landed(data_dir, broken) == {}
    assert set(rows_of(data_dir, broken).values()) == {0}
    assert rows(
        data_dir.warehouse, "select count(*) from match_participants where match_id = ?", [broken]
    ) == [(0,)]
    # the undecodable film: the whole match landed, the raw chunk kept with its error
    assert landed(data_dir, undecodable) == {
        "match_stats": 1,
        "match_skill": 1,
        "film_manifest": 1,
        "film_chunk": 1,
    }
    [(chunk_bytes, error, events)] = rows(
        landing_path(data_dir),
        "select octet_length(responses.body), decodes.error, "
        "(select count(*) from film_events where film_events.match_id = responses.match_id) "
        "from responses join film_decodes as decodes using (response_id) "
        "where responses.match_id = ?",
        [undecodable],
    )
    assert chunk_bytes == len(fake.matches[undecodable].film[1]) and error and events == 0
    [(state, events_loaded)] = rows(
        data_dir.warehouse,
        "select film_state, events_loaded from match_registry where match_id = ?",
        [undecodable],
    )
    assert (state, events_loaded) == ("undecodable", False)
    counts = rows_of(data_dir, undecodable)
    assert counts["match_stats"] == 1 and counts["match_participants"] == 8
    assert counts["highlight_events"] == 0
    for match_id in (good_old, good_new):
        assert rows_of(data_dir, match_id)["highlight_events"] == 640


def test_a_busy_or_corrupt_landing_db_stops_the_sync_in_one_line(
    fake: FakeHaloApi, tmp_path: Path
) -> None:
    # (not "locked" in the test's name: the landing's error names its path, and the store
    # tells a lock error by the word "lock" in DuckDB's message, path included)
    add_matches(fake, ["never-fetched"])
    data_dir = DataDir(tmp_path)
    path = landing_path(data_dir)
    path.parent.mkdir(parents=True)
    duckdb.connect(str(path)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys\n"
            f"con = duckdb.connect({str(path)!r})\n"
            "print('ready', flush=True)\nsys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(LandingError) as info:
            sync_with_fake_api(fake, data_dir, PLAYER[0])
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    message = str(info.value)
    assert f"The landing DB {path} is locked by another process (PID {holder.pid})" in message
    assert "\n" not in message
    assert sum(fake.requests.values()) == 0  # stopped before any API call
    assert not data_dir.player_db(PLAYER[0]).exists()

    path.write_bytes(b"this is not a DuckDB file" * 100)
    with pytest.raises(LandingError, match="is not a DuckDB database") as info:
        sync_with_fake_api(fake, data_dir, PLAYER[0])
    assert "\n" not in str(info.value)
    assert sum(fake.requests.values()) == 0
    assert not data_dir.player_db(PLAYER[0]).exists()
    assert path.read_bytes() == b"this is not a DuckDB file" * 100  # left for the user to see


def test_a_kill_mid_match_leaves_nothing_of_it_and_the_next_syncs_resume(
    fake: FakeHaloApi, tmp_path: Path
) -> None:
    """Killed (SIGKILL) inside the first match's landing transaction: nothing of that match
    is kept. A sync without build then lands every match; the next sync merges what that one
    landed, and finds every match known: 0 calls for them."""
    ids = add_matches(fake, ["kill-1", "kill-2"])
    data_dir = DataDir(tmp_path)
    env = dict(os.environ, HALO_SPARTAN_TOKEN=TOKEN, HALO_CLEARANCE_TOKEN=CLEARANCE)
    env[ENV_VAR] = MID_MATCH_STEP
    argv = [sys.executable, "-m", "shared_matches.cli", "--data-dir", str(data_dir.root)]
    argv += ["sync", "--player", PLAYER[0], "--api-base-url", fake.base_url, "--no-build"]
    argv += ["--requests-per-second", "1000"]
    killed = subprocess.run(argv, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr
    assert f"killed at step {MID_MATCH_STEP}" in killed.stderr
    assert fake.calls_for(ids[0])["match_stats"] == 1
    for match_id in ids:
        assert landed(data_dir, match_id) == {}  # the first match's stats were rolled back

    landing_only = sync_with_fake_api(fake, data_dir, PLAYER[0], build=False)
    assert landing_only.new == ids
    assert all(landed(data_dir, m)["match_stats"] == 1 for m in ids)

    before = sum(fake.requests.values())
    resumed = sync_with_fake_api(fake, data_dir, PLAYER[0])
    assert "merged what an earlier sync had landed" in resumed.notes
    assert resumed.known == ids and resumed.new == []
    assert sum(fake.requests.values()) - before == resumed.calls["match_history"] == 1
    for match_id in ids:
        assert rows_of(data_dir, match_id)["highlight_events"] == 640

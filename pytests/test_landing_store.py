"""The landing store: append-only, one transaction per match, clear errors (real DuckDB files)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from landing_helpers import (
    OWNER_XUID,
    ROOT,
    TINY_ID,
    TINY_VERSION,
    chunk,
    load,
    manifest,
    response,
    tiny_match,
)
from shared_matches.failpoints import ENV_VAR
from shared_matches.landing.films import decoder_name
from shared_matches.landing.recorded import land_recorded
from shared_matches.landing.responses import LandedFilm, LandingDataError
from shared_matches.landing.schema import TABLE_COLUMNS, landing_path
from shared_matches.landing.store import MID_MATCH_STEP, LandingError, LandingStore
from shared_matches.paths import DataDir, UserError
from shared_matches.testing.fake_halo_api import ODDBALL_ID

TABLES = tuple(TABLE_COLUMNS)
TINY_CHUNK = ROOT / "film" / "highlight_events.gzip"


def counts(store: LandingStore, match_id: str | None = None) -> dict[str, int]:
    return {table: store.count(table, match_id) for table in TABLES}


def test_a_match_lands_whole_with_its_decoded_events(tmp_path: Path) -> None:
    responses, film = tiny_match()
    with LandingStore.for_data_dir(DataDir(tmp_path)) as store:
        landed = store.append_match(responses, film)
        assert counts(store, TINY_ID) == {"responses": 3, "film_events": 6, "film_decodes": 1}
        assert landed.film is not None and landed.film.event_count == 6
        assert landed.film.decoder == decoder_name() == "spnkr 0.10.2"
        stored = store.con.execute(
            "select kind, payload::varchar, body from responses order by response_id"
        ).fetchall()
    assert [k for k, _, _ in stored] == ["match_stats", "film_manifest", "film_chunk"]
    assert stored[0][1] == responses[0].payload  # the JSON text as received
    assert stored[2][1] is None and stored[2][2] == TINY_CHUNK.read_bytes()


def test_a_failure_mid_match_leaves_no_row_of_it(tmp_path: Path) -> None:
    responses, film = tiny_match()
    overflowing = LandedFilm(film.manifest, chunk(TINY_ID, TINY_CHUNK.read_bytes(), 2**40))
    with LandingStore.for_data_dir(DataDir(tmp_path)) as store:
        with pytest.raises(LandingError, match="rolled back") as error:
            # film_version overflows INTEGER: the chunk's insert fails after the stats and
            # the manifest were written
            store.append_match(responses, overflowing)
        assert "\n" not in str(error.value)
        assert counts(store, TINY_ID) == dict.fromkeys(TABLES, 0)
        store.append_match(responses, film)  # the store is usable again
        assert store.count("responses", TINY_ID) == 3


def test_a_process_killed_mid_match_leaves_no_row_of_it(tmp_path: Path) -> None:
    data_dir = DataDir(tmp_path)
    with LandingStore.for_data_dir(data_dir) as store:
        store.append([response("user", {"xuid": "2535445291321133", "gamertag": "x"})])
    script = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, sys.argv[2])
        from pathlib import Path
        from landing_helpers import tiny_match
        from shared_matches.landing.store import LandingStore
        from shared_matches.paths import DataDir

        with LandingStore.for_data_dir(DataDir(Path(sys.argv[1]))) as store:
            store.append_match(*tiny_match())
        """
    )
    env = {**os.environ, ENV_VAR: MID_MATCH_STEP}
    pytests_dir = str(Path(__file__).parent)
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), pytests_dir],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert f"killed at step {MID_MATCH_STEP}" in done.stderr
    with LandingStore.for_data_dir(data_dir) as store:
        assert counts(store, TINY_ID) == dict.fromkeys(TABLES, 0)
        assert store.count("responses") == 1  # what was landed before is intact


def test_the_landing_is_append_only(tmp_path: Path) -> None:
    data_dir = DataDir(tmp_path)
    responses, film = tiny_match()
    with LandingStore.for_data_dir(data_dir) as store:
        first = store.append_match(responses, film)
        before = store.con.execute("select * from responses order by response_id").fetchall()
    with LandingStore.for_data_dir(data_dir) as store:  # reopened: the schema is kept as is
        second = store.append_match(responses, film)
        after = store.con.execute("select * from responses order by response_id").fetchall()
        assert counts(store, TINY_ID) == {"responses": 6, "film_events": 12, "film_decodes": 2}
    assert after[: len(before)] == before
    assert min(second.response_ids) > max(first.response_ids)


def test_decoding_again_is_idempotent_per_decoder(tmp_path: Path) -> None:
    responses, film = tiny_match()
    with LandingStore.for_data_dir(DataDir(tmp_path)) as store:
        landed = store.append_match(responses, film)
        chunk_id = landed.response_ids[-1]
        assert store.decode_film(chunk_id) == landed.film
        assert counts(store, TINY_ID)["film_events"] == 6
        with pytest.raises(LandingDataError, match="not a landed film chunk"):
            store.decode_film(landed.response_ids[0])


def test_film_states_land_nothing_half_way(tmp_path: Path) -> None:
    match_id = ODDBALL_ID
    truncated = chunk(match_id, TINY_CHUNK.read_bytes()[:100])
    film = response("film_manifest", manifest(match_id, TINY_VERSION), match_id=match_id)
    with LandingStore.for_data_dir(DataDir(tmp_path)) as store:
        # a chunk that does not decode: landed, with the error, no event, no exception
        landed = store.append_match([], LandedFilm(film, truncated))
        assert landed.film is not None and not landed.film.ok
        assert landed.film.event_count is None and "Error" in landed.film.error
        assert counts(store, match_id) == {"responses": 2, "film_events": 0, "film_decodes": 1}
        # a 404 manifest: the manifest alone, no body
        missing = response("film_manifest", match_id=TINY_ID, http_status=404)
        store.append_match([], LandedFilm(missing))
        assert counts(store, TINY_ID) == {"responses": 1, "film_events": 0, "film_decodes": 0}
        payload = store.con.execute(
            "select payload from responses where match_id = ?", [TINY_ID]
        ).fetchone()
        assert payload == (None,)


def test_a_response_lacking_a_required_field_lands_nothing_of_its_match(tmp_path: Path) -> None:
    responses, film = tiny_match()
    stats = load(ROOT / "film" / "match_stats.json")
    del stats["Players"]
    broken = response("match_stats", stats, match_id=TINY_ID, source="stats/broken.json")
    with LandingStore.for_data_dir(DataDir(tmp_path)) as store:
        with pytest.raises(LandingDataError) as error:
            store.append_match([broken], film)
        message = str(error.value)
        assert "\n" not in message
        assert message.startswith("stats/broken.json: match_stats response for match ")
        assert "lacks required field Players" in message and str(store.path) in message
        with pytest.raises(LandingDataError, match="lacks required field Results"):
            store.append([response("match_history", {"Start": 0})])
        with pytest.raises(LandingDataError, match="land it with append_match"):
            store.append(responses)
        assert counts(store) == dict.fromkeys(TABLES, 0)


def test_a_locked_landing_db_is_a_clear_one_line_error(tmp_path: Path) -> None:
    path = landing_path(DataDir(tmp_path))
    LandingStore.open(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, duckdb; con = duckdb.connect(sys.argv[1]); "
            "print('ready', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(UserError) as error:
            LandingStore.open(path)
    finally:
        holder.kill()
        holder.wait()
    message = str(error.value)
    assert "\n" not in message
    assert f"The landing DB {path} is locked by another process (PID {holder.pid})" in message
    assert "retry" in message


def test_a_corrupt_landing_db_is_a_clear_one_line_error(tmp_path: Path) -> None:
    path = landing_path(DataDir(tmp_path))
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a DuckDB file\n" * 200)
    with pytest.raises(UserError) as error:
        LandingStore.open(path)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"{path} is not a DuckDB database")
    assert "move it aside" in message


def test_a_duckdb_file_with_other_tables_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table responses (id integer)")
    con.close()
    with pytest.raises(UserError, match=r"is not a landing DB \(table responses has columns"):
        LandingStore.open(path)


def test_land_recorded_skips_a_broken_match_whole(tmp_path: Path) -> None:
    source = tmp_path / "recorded"
    (source / "film").mkdir(parents=True)
    stats = load(ROOT / "film" / "match_stats.json")
    del stats["MatchInfo"]["StartTime"]
    (source / "stats.json").write_text(json.dumps(stats))
    (source / "film" / f"{TINY_VERSION}_{TINY_ID}.gzip").symlink_to(TINY_CHUNK)
    (source / "film" / "README.gzip").write_bytes(b"")
    unknown = DataDir(tmp_path / "unknown")
    with pytest.raises(UserError, match="Cannot tell someone's xuid.*Pass --xuid"):
        land_recorded(unknown, source, "someone")
    assert not landing_path(unknown).exists()  # nothing landed for an owner nobody can tell
    data_dir = DataDir(tmp_path / "data")
    summary = land_recorded(data_dir, source, "someone", OWNER_XUID)
    assert summary.matches == [] and summary.responses == {}
    [(what, why)] = summary.skipped
    assert what == f"match {TINY_ID}" and "lacks required field MatchInfo.StartTime" in why
    assert summary.unused == ["film/README.gzip: not named NN_<match_id>.gzip"]
    assert summary.player_xuid == OWNER_XUID
    with LandingStore.for_data_dir(data_dir) as store:
        assert counts(store) == dict.fromkeys(TABLES, 0)
    with pytest.raises(UserError, match="is not a directory"):
        land_recorded(data_dir, tmp_path / "nowhere", "someone")


def test_landing_a_recorded_directory_twice_keeps_both(tmp_path: Path) -> None:
    """Append-only: every response is landed again, nothing is replaced."""
    source = tmp_path / "recorded"
    source.mkdir()
    links = {
        "stats.json": ROOT / "film" / "match_stats.json",
        f"{TINY_VERSION}_{TINY_ID}.gzip": TINY_CHUNK,
        "history.json": ROOT / "responses" / "get_match_history.json",
        "users.json": ROOT / "responses" / "get_users.json",
    }
    for name, target in links.items():
        (source / name).symlink_to(target)
    data_dir = DataDir(tmp_path / "data")
    first = land_recorded(data_dir, source, "someone", owner_xuid="2535445291321133")
    second = land_recorded(data_dir, source, "someone", owner_xuid="2535445291321133")
    assert first.responses == second.responses
    assert dict(first.responses) == {
        "match_stats": 1,
        "film_chunk": 1,
        "match_history": 1,
        "user": 1,
    }
    assert first.films == {TINY_ID: "6 events"} and first.matches == [TINY_ID]
    with LandingStore.for_data_dir(data_dir) as store:
        assert counts(store) == {"responses": 8, "film_events": 12, "film_decodes": 2}
        history = store.con.execute(
            "select distinct player_xuid, request from responses where kind = 'match_history'"
        ).fetchall()
    assert history == [("2535445291321133", "start=0&count=25")]
    assert first.format().startswith("landed 4 responses (film_chunk 1, match_history 1")

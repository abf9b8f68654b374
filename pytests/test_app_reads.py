"""The old app's read calls and access patterns on a cleaned player DB opened with no ATTACH.

The compatibility views of a cleaned DB read the read layer's Parquet files by absolute path,
so the app (LevelUp) must get its answers from ``stats.duckdb`` alone, in any connection, with
DuckDB 2.0 and with the app's own 1.4.x / 1.5.x. Real files: the small demo set migrated
(session fixture ``migrated``), copied, two players cleaned up:
- Madina97294: NULL participant gamertags that other copies fill, four matches whose events
  her copy lacks (other copies have them), aliases other copies saw later;
- JGtm: the older layout (no avg_life_seconds) and capitalised event types ('Kill').

Every app read (pytests/app_reads.py) runs on the cleaned DB, on the player's pre-cleanup
backup and on the expected DB (the backup with the documented differences applied, from
every player's pre-cleanup copy): the cleaned DB must give exactly the expected DB's rows.
Access patterns: (a) the three tables queried directly; (b) a new connection per call;
(c) read_only=True and read_only=False; (d) the DuckDB CLI of each other release, read-only;
(e) while a process of the app's DuckDB holds the cleaned DB open (its views read), a sync of
another player (fake Halo API) and a migrate succeed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import select
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

import app_reads
from app_reads import (
    READS,
    THIS_DUCKDB,
    THREE_TABLES,
    AppParams,
    ExpectedModel,
    app_params,
    build_expected_db,
    compare_result,
    compare_runs,
    job,
    run_jobs,
    statements,
)
from helpers import copy_data_dir, quiet
from other_duckdb import OTHER_DUCKDB_VERSIONS, duckdb_cli, other_python
from shared_matches.cleanup.steps import cleanup_player
from shared_matches.cli import main
from shared_matches.paths import DataDir
from shared_matches.testing.fake_halo_api import (
    CLEARANCE,
    TOKEN,
    FakeHaloApi,
    generated_id,
    roster,
)

CLEANED = ("Madina97294", "JGtm")
VERSIONS = (THIS_DUCKDB, *OTHER_DUCKDB_VERSIONS)
MAIN, COMPLETED = "match page", "a match the player's copy lacked events of"
# the modes the cleaned DB is read in, besides the repository's one read-only connection
REOPENED, READ_WRITE = "a new connection per call", "read_only=False"
# (a): the three tables queried directly; their columns as information_schema gives them
DIRECT = [
    stmt
    for table in THREE_TABLES
    for stmt in (
        {"name": f"{table} rows", "read": table, "sql": f"select * from {table}", "params": []},
        {
            "name": f"{table} columns",
            "read": table,
            "sql": "select column_name, data_type from information_schema.columns "
            "where table_schema = 'main' and table_name = ? order by ordinal_position",
            "params": [table],
        },
    )
]


@dataclass
class Case:
    player: str
    label: str
    params: AppParams
    stmts: list[dict]


@dataclass
class World:
    data_dir: DataDir
    backups: dict[str, Path]
    models: dict[str, ExpectedModel]
    cases: list[Case]
    # (version, player, label) -> mode ("backup", "expected", "cleaned", REOPENED, ...) -> run
    runs: dict[tuple[str, str, str], dict[str, dict]] = field(default_factory=dict)
    # (version, player) -> "backup" / "expected" / "cleaned" -> run of DIRECT
    direct: dict[tuple[str, str], dict[str, dict]] = field(default_factory=dict)
    cli: dict[tuple[str, str], subprocess.CompletedProcess] = field(default_factory=dict)
    hashes: dict[str, tuple[str, str]] = field(default_factory=dict)  # before, after the runs
    figure: tuple[int, int, str] | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def the_backup(data_dir: DataDir, player: str) -> Path:
    [backup] = sorted((data_dir.root / "backups" / player).glob("*/stats.duckdb"))
    return backup


def cli_count(output: str) -> int | None:
    """The count a DuckDB CLI box shows (the one number between two borders)."""
    found = re.findall(r"│\s*(\d+)\s*│", output)
    return int(found[-1]) if found else None


@pytest.fixture(scope="module")
def world(migrated: DataDir, tmp_path_factory: pytest.TempPathFactory) -> World:
    started = time.perf_counter()
    data_dir = copy_data_dir(migrated, tmp_path_factory.mktemp("app_reads"))
    for player in CLEANED:
        cleanup_player(data_dir, player, out=quiet)
    backups = {player: the_backup(data_dir, player) for player in CLEANED}
    expected_dir = tmp_path_factory.mktemp("app_reads_expected")
    models, cases = {}, []
    for player in CLEANED:
        # every player's copy before any cleanup: the migrated set (never written)
        others = [migrated.player_db(p) for p in migrated.discover_players() if p != player]
        model = build_expected_db(
            backups[player], player, others, expected_dir / f"{player}.duckdb"
        )
        models[player] = model
        params = app_params(backups[player], player, prefer_xuids=model.renamed_xuids)
        cases.append(Case(player, MAIN, params, statements(params)))
        if model.completed_matches:
            params = app_params(
                backups[player],
                player,
                match_id=model.completed_matches[0],
                prefer_xuids=model.renamed_xuids,
            )
            cases.append(Case(player, COMPLETED, params, statements(params)))
    result = World(data_dir, backups, models, cases)
    result.seconds["setup"] = time.perf_counter() - started

    cleaned = {player: data_dir.player_db(player) for player in CLEANED}
    result.hashes = {player: (sha256(path), "") for player, path in cleaned.items()}
    for version in VERSIONS:
        started = time.perf_counter()
        for player in CLEANED:
            jobs, keys = [], []
            for case in (c for c in cases if c.player == player):
                modes = {
                    "backup": job(backups[player], case.stmts),
                    "expected": job(models[player].path, case.stmts),
                    "cleaned": job(cleaned[player], case.stmts),
                }
                if case.label == MAIN:
                    modes[REOPENED] = job(cleaned[player], case.stmts, reopen=True, setup=())
                    modes[READ_WRITE] = job(cleaned[player], case.stmts, read_only=False)
                for mode, one in modes.items():
                    jobs.append(one)
                    keys.append(("runs", (version, player, case.label), mode))
            for mode, path in (
                ("backup", backups[player]),
                ("expected", models[player].path),
                ("cleaned", cleaned[player]),
            ):
                jobs.append(job(path, DIRECT, setup=()))
                keys.append(("direct", (version, player), mode))
            for (kind, key, mode), run in zip(keys, run_jobs(version, jobs), strict=True):
                getattr(result, kind).setdefault(key, {})[mode] = run
        result.seconds[f"reads, DuckDB {version}"] = time.perf_counter() - started
    for version in OTHER_DUCKDB_VERSIONS:
        for player in CLEANED:
            result.cli[(version, player)] = subprocess.run(
                [
                    str(duckdb_cli(version)),
                    "-readonly",
                    "stats.duckdb",
                    "-c",
                    "select count(*) from highlight_events",
                ],
                cwd=cleaned[player].parent,
                capture_output=True,
                text=True,
                timeout=120,
                stdin=subprocess.DEVNULL,
            )
    result.hashes = {p: (before, sha256(cleaned[p])) for p, (before, _) in result.hashes.items()}
    started = time.perf_counter()
    player = CLEANED[0]
    others = [migrated.player_db(p) for p in migrated.discover_players() if p != player]
    result.figure = app_reads.breaking_reads_figure(
        player, backups[player], cleaned[player], others
    )
    result.seconds["figure"] = time.perf_counter() - started
    return result


# --- the list of reads --------------------------------------------------------------------


def test_the_app_reads_are_listed_with_their_sources() -> None:
    names = [read.name for read in READS]
    assert len(names) == len(set(names)) == 42  # the module docstring says 42
    touching = app_reads.touching_reads()
    assert len(touching) == 24  # 20 read rows, 4 probe names: the docstring says so
    dummy = AppParams("GT", "1", "m", "2", ("1", "2"), ("m",), "2024-01-01", "2024-01-02")
    for read in READS:
        text = read.sql + json.dumps([s["params"] for s in read.statements(dummy)])
        named = {t for t in THREE_TABLES if t in text}
        assert set(read.touches) == named, read.name
        assert read.source.endswith(".py") and read.sql.lower().startswith("select"), read.name
    # the per-file counts the module docstring gives
    assert Counter(read.source for read in READS) == {
        "src/data/repositories/duckdb_repo.py": 30,
        "src/data/repositories/_roster_loader.py": 4,
        "src/ui/cache.py": 4,
        "src/ui/aliases.py": 2,
        "src/utils/xuid.py": 1,
        "scripts/sync.py": 1,
    }
    assert Counter(read.source for read in touching) == {
        "src/data/repositories/duckdb_repo.py": 13,
        "src/data/repositories/_roster_loader.py": 4,
        "src/ui/cache.py": 3,
        "src/ui/aliases.py": 2,
        "src/utils/xuid.py": 1,
        "scripts/sync.py": 1,
    }
    assert sum("information_schema" in read.sql for read in touching) == 4


def test_the_parameters_come_from_the_players_db(world: World) -> None:
    for case in world.cases:
        params = case.params
        assert params.match_id in params.match_ids and params.xuid in params.match_xuids
        assert params.teammate_xuid in params.match_xuids and params.teammate_xuid != params.xuid
        assert params.gamertag == case.player
    completed = [c for c in world.cases if c.label == COMPLETED]
    assert [c.player for c in completed] == ["Madina97294"]


# --- every read, every DuckDB: the expected rows, nothing attached -------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_every_app_read_gives_the_rows_of_the_backup_modulo_the_documented_differences(
    world: World, version: str
) -> None:
    for case in world.cases:
        runs = world.runs[(version, case.player, case.label)]
        assert runs["cleaned"]["duckdb"] == version
        # nothing attached: the connection saw the player DB's own catalog only
        assert runs["cleaned"]["catalogs"] == ["stats"], runs["cleaned"]["catalogs"]
        broken = compare_runs(case.stmts, runs["expected"], runs["cleaned"])
        assert broken == {}, (version, case.player, case.label, broken)
        # the backup answers every read (the app's baseline), and reads of the personal
        # tables give the backup's rows exactly
        assert not [r for r in runs["backup"]["results"] if "error" in r]
        untouched = {r.name for r in READS if not r.touches}
        changed = compare_runs(case.stmts, runs["backup"], runs["cleaned"])
        assert untouched.isdisjoint(changed), (version, case.player, changed.keys() & untouched)


def test_the_documented_differences_are_applied_and_would_be_caught(world: World) -> None:
    madina, jgtm = (world.models[p] for p in CLEANED)
    # the rules had work to do on this data
    assert madina.filled_gamertags > 0 and madina.completed_matches
    assert madina.newer_aliases > 0 and madina.added_aliases > 0
    assert jgtm.newer_aliases > 0 and jgtm.filled_gamertags == 0
    runs = world.runs[(THIS_DUCKDB, "Madina97294", MAIN)]
    [case] = [c for c in world.cases if (c.player, c.label) == ("Madina97294", MAIN)]
    documented = compare_runs(case.stmts, runs["backup"], runs["expected"])
    # a NULL gamertag filled; events completed; aliases newer or new
    assert {
        "DuckDBRepository.resolve_gamertag (match_participants)",
        "DuckDBRepository.load_match_players_stats",
        "DuckDBRepository.load_first_event_times (kill)",
        "DuckDBRepository.resolve_gamertag (xuid_aliases)",
        "cached_list_other_xuids",
    } <= documented.keys(), documented.keys()
    # the app without the documented rules: the cleaned DB differs from its backup there
    assert compare_runs(case.stmts, runs["backup"], runs["cleaned"]).keys() == documented.keys()
    [completed] = [c for c in world.cases if c.label == COMPLETED]
    runs = world.runs[(THIS_DUCKDB, "Madina97294", COMPLETED)]
    before = compare_runs(completed.stmts, runs["backup"], runs["cleaned"])
    assert "cached_load_highlight_events_for_match" in before  # 0 events before, all after
    # a changed value, a lost row, another order: each is caught
    [events] = [
        i
        for i, s in enumerate(completed.stmts)
        if s["read"] == "cached_load_highlight_events_for_match"
    ]
    rows = runs["cleaned"]["results"][events]["rows"]
    assert len(rows) > 1
    ordered = (1,)
    assert compare_result({"rows": rows}, {"rows": rows}, ordered) is None
    changed = [[*rows[0][:3], "SomeoneElse", *rows[0][4:]], *rows[1:]]
    assert compare_result({"rows": rows}, {"rows": changed}, ordered) is not None
    assert compare_result({"rows": rows}, {"rows": rows[1:]}, ordered) is not None
    assert compare_result({"rows": rows}, {"rows": rows[::-1]}, ordered) is not None
    assert compare_result({"rows": rows}, {"error": "CatalogException: gone"}) is not None


def test_an_older_layout_db_keeps_its_columns_and_event_type_spelling(world: World) -> None:
    runs = world.runs[(THIS_DUCKDB, "JGtm", MAIN)]
    [case] = [c for c in world.cases if (c.player, c.label) == ("JGtm", MAIN)]
    [events] = [
        i for i, s in enumerate(case.stmts) if s["read"] == "cached_load_highlight_events_for_match"
    ]
    types = {row[0] for row in runs["cleaned"]["results"][events]["rows"]}
    assert "Kill" in types and "kill" not in types, types


# --- access patterns ------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_a_the_three_tables_queried_directly(world: World, version: str) -> None:
    for player in CLEANED:
        runs = world.direct[(version, player)]
        assert runs["cleaned"]["catalogs"] == ["stats"]
        for i, stmt in enumerate(DIRECT):
            got = runs["cleaned"]["results"][i]
            if stmt["name"].endswith("columns"):  # the dropped table's columns and types
                assert got == runs["backup"]["results"][i], (version, player, stmt["name"])
                continue
            # every row and column (event ids renumbered as the view numbers them)
            problem = compare_result(runs["expected"]["results"][i], got)
            assert problem is None, (version, player, stmt["name"], problem)
        ids = [row[0] for row in runs["cleaned"]["results"][2]["rows"]]
        assert len(ids) == len(set(ids)) > 0


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("mode", [REOPENED, READ_WRITE])
def test_b_c_reopened_per_call_and_read_write(world: World, version: str, mode: str) -> None:
    for case in (c for c in world.cases if c.label == MAIN):
        runs = world.runs[(version, case.player, case.label)]
        assert runs[mode]["catalogs"] == ["stats"]
        broken = compare_runs(case.stmts, runs["expected"], runs[mode])
        assert broken == {}, (version, case.player, mode, broken)


def test_c_the_apps_opens_leave_the_cleaned_db_unchanged(world: World) -> None:
    for player, (before, after) in world.hashes.items():
        assert before == after, player  # read-only and read-write opens, three releases


@pytest.mark.parametrize("version", OTHER_DUCKDB_VERSIONS)
def test_d_the_duckdb_cli_reads_the_view(world: World, version: str) -> None:
    for player in CLEANED:
        done = world.cli[(version, player)]
        assert done.returncode == 0, done.stderr
        [expected] = [
            r
            for r in world.direct[(THIS_DUCKDB, player)]["expected"]["results"]
            if r["name"] == "highlight_events rows"
        ]
        assert cli_count(done.stdout) == len(expected["rows"]), (version, player, done.stdout)


def test_the_figure_no_app_read_breaks(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    broken = set()
    for (_version, player, label), runs in world.runs.items():
        [case] = [c for c in world.cases if (c.player, c.label) == (player, label)]
        for mode in ("cleaned", REOPENED, READ_WRITE):
            if mode in runs:
                broken |= compare_runs(case.stmts, runs["expected"], runs[mode]).keys()
    sentence = app_reads.figure(len(broken), len(READS))
    with capsys.disabled():
        print(f"\n{sentence} (DuckDB {', '.join(VERSIONS)}; {', '.join(CLEANED)})")
        print(f"  benchmark helper, DuckDB {THIS_DUCKDB}, {CLEANED[0]}: {world.figure[2]}")
        for step, seconds in world.seconds.items():
            print(f"  {step}: {seconds:.1f} s")
    assert broken == set(), sorted(broken)
    assert world.figure == (0, len(READS), app_reads.figure(0, len(READS)))


# --- (e) a reader holding the cleaned DB does not block the others' writers ---------------

HOLDER = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
def counts():
    tables = ("match_participants", "highlight_events", "xuid_aliases")
    return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}
print(json.dumps({"duckdb": duckdb.__version__, "counts": counts()}), flush=True)
sys.stdin.readline()
print(json.dumps({"counts": counts()}), flush=True)
con.close()
"""
SYNCED, HELD = "Chocoboflor", "Madina97294"
NEW_MATCH = generated_id("app-reads/held")
STRANGERS = 6  # roster() fills the match's 8 places with new players


@dataclass
class Cli:
    code: int
    out: str
    err: str


def shared_matches(data_dir: DataDir, *args: str) -> Cli:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--data-dir", str(data_dir.root), *args])
    return Cli(code, out.getvalue(), err.getvalue())


def read_line(process: subprocess.Popen, seconds: float = 120) -> dict:
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    if not ready:
        process.kill()
        pytest.fail(f"the reader said nothing in {seconds} s")
    line = process.stdout.readline()
    if not line:
        pytest.fail(f"the reader ended: {process.stderr.read()}")
    return json.loads(line)


def test_e_a_reader_holding_the_cleaned_db_blocks_no_sync_and_no_migrate(
    world: World,
) -> None:
    data_dir = world.data_dir
    held_xuid = world.models[HELD].owner_xuid
    synced_xuid = app_reads.owner_xuid(data_dir.player_db(SYNCED), SYNCED)
    fake = FakeHaloApi()
    players = roster([(synced_xuid, SYNCED), (held_xuid, HELD)], "app-reads/held")
    fake.add_generated_match(NEW_MATCH, datetime(2025, 9, 21, 20), players)
    fake.add_user(SYNCED, synced_xuid)
    fake.set_history(synced_xuid, [NEW_MATCH])

    reader = subprocess.Popen(
        [str(other_python(OTHER_DUCKDB_VERSIONS[0])), "-c", HOLDER, str(data_dir.player_db(HELD))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = read_line(reader)  # it holds the file open and has read its views
        assert first["duckdb"] == OTHER_DUCKDB_VERSIONS[0]
        with pytest.MonkeyPatch.context() as env, fake.running_in_thread():
            env.setenv("HALO_SPARTAN_TOKEN", TOKEN)
            env.setenv("HALO_CLEARANCE_TOKEN", CLEARANCE)
            sync = shared_matches(
                data_dir,
                *("sync", "--player", SYNCED, "--no-progress"),
                *("--api-base-url", fake.base_url, "--requests-per-second", "1000"),
            )
        assert reader.poll() is None  # still holding it
        migrate = shared_matches(data_dir, "migrate")
        assert reader.poll() is None
        reader.stdin.write("again\n")
        reader.stdin.flush()
        second = read_line(reader)
    finally:
        if reader.poll() is None:
            reader.stdin.close()
            reader.wait(timeout=60)
    assert reader.returncode == 0, reader.stderr.read()
    assert sync.code == 0, (sync.out, sync.err)
    assert "1 new" in sync.out, sync.out
    assert migrate.code == 0, (migrate.out, migrate.err)
    # the same connection, still open, reads the layer the sync republished: the held
    # player's own rows unchanged, the new match's strangers among the aliases
    before, after = first["counts"], second["counts"]
    assert after["match_participants"] == before["match_participants"]
    assert after["highlight_events"] == before["highlight_events"]
    assert after["xuid_aliases"] == before["xuid_aliases"] + STRANGERS

"""Generate the demo player DBs, and add new matches to an existing one.

A demo player DB is written as the app's DuckDB (1.4.4) writes a new file: its default
storage version and block size (duckdb_files.APP_STORAGE_VERSION, APP_BLOCK_SIZE), so that
the demo set stands for the users' files, not for the project's own new files.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb
from tqdm import tqdm

from shared_matches.demo import staging
from shared_matches.demo.plan import derived_seed, make_append_plan, make_plan
from shared_matches.demo.players import PlayerSpec, resolve_players
from shared_matches.demo.summary import DemoSummary, PlayerSummary
from shared_matches.demo.writer import OUT, WrittenCounts, write_player
from shared_matches.duckdb_files import APP_BLOCK_SIZE, APP_STORAGE_VERSION
from shared_matches.paths import DataDir, UserError
from shared_matches.player_identity import read_player_xuid
from shared_matches.v4_schema import ALL_TABLES, create_v4_schema


def sql_string(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def wal_of(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def remove_db_file(path: Path) -> None:
    if path.parent.is_dir():
        for candidate in (path, wal_of(path)):
            candidate.unlink(missing_ok=True)


# ATTACH options of a new demo player DB: as DuckDB 1.4.4 creates a file (only for a file
# that does not exist: on an existing one STORAGE_VERSION would rewrite its header)
APP_FILE_OPTIONS = f"storage_version {sql_string(APP_STORAGE_VERSION)}, block_size {APP_BLOCK_SIZE}"


@contextmanager
def attached(con: duckdb.DuckDBPyConnection, path: Path, options: str = "") -> Iterator[None]:
    """The DB at `path` attached as ``out`` (``options``: of a new file); checkpointed and
    detached on the way out."""
    try:
        con.execute(f"attach {sql_string(path)} as out{f' ({options})' if options else ''}")
    except duckdb.Error as exc:
        raise UserError(f"Could not open {path}: {exc}") from exc
    try:
        yield
        con.execute("checkpoint out")
    finally:
        con.execute("use memory")
        con.execute("detach out")


def staging_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for the staged rows (quiet: the CLI shows its own progress)."""
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    return con


def single_writer(con: duckdb.DuckDBPyConnection) -> None:
    """Write player DBs with one thread: parallel inserts leave ~30% of a new file as free
    blocks (row groups written per thread, then merged), one thread writes it compactly in
    the same time."""
    con.execute("set threads = 1")


def write_new_db(con: duckdb.DuckDBPyConnection, spec: PlayerSpec, partial: Path) -> WrittenCounts:
    remove_db_file(partial)
    partial.parent.mkdir(parents=True, exist_ok=True)
    with attached(con, partial, APP_FILE_OPTIONS):
        con.execute("use out")
        create_v4_schema(con, legacy=spec.legacy)
        con.execute("use memory")
        return write_player(con, spec)


def generate_demo_data(
    data_dir: DataDir,
    *,
    players: list[str] | None = None,
    matches: int = 1000,
    overlaps: dict[str, float] | None = None,
    scale: float = 1.0,
    seed: int = 42,
    force: bool = False,
    progress: bool = True,
) -> DemoSummary:
    """Write one v4 player DB per player under data_dir/players (see the demo package)."""
    if matches < 1:
        raise UserError(f"--matches must be at least 1 (got {matches}).")
    if scale <= 0:
        raise UserError(f"--scale must be positive (got {scale}).")
    specs = resolve_players(players, overlaps)
    existing = [
        str(data_dir.player_db(s.gamertag))
        for s in specs
        if data_dir.player_db(s.gamertag).exists()
    ]
    if existing and not force:
        raise UserError(
            "Player DBs already exist (use --force to overwrite them): " + ", ".join(existing)
        )
    started = time.perf_counter()
    reference_count = max(1, round(matches * scale))
    partials = {
        s.gamertag: data_dir.player_db(s.gamertag).with_name(".stats.duckdb.partial") for s in specs
    }
    summaries: list[PlayerSummary] = []
    bar = tqdm(
        total=2 + len(specs), desc="demo data", unit="step", file=sys.stderr, disable=not progress
    )
    con = staging_connection()
    try:
        bar.set_postfix_str("planning matches")
        plan = make_plan(specs, reference_count, seed)
        bar.set_postfix_str(f"building {plan.unique_matches} matches")
        staging.build_matches(con, plan)
        staging.build_copies(con)
        single_writer(con)
        bar.update(1)
        for spec in specs:
            bar.set_postfix_str(f"writing {spec.gamertag}")
            counts = write_new_db(con, spec, partials[spec.gamertag])
            summaries.append(
                player_summary(
                    spec, data_dir.player_db(spec.gamertag), counts, partials[spec.gamertag]
                )
            )
            bar.update(1)
        for spec in specs:
            final = data_dir.player_db(spec.gamertag)
            wal_of(final).unlink(missing_ok=True)
            os.replace(partials[spec.gamertag], final)
        bar.set_postfix_str("done")
        bar.update(1)
    except BaseException as exc:
        for partial in partials.values():
            remove_db_file(partial)
        if isinstance(exc, OSError):
            raise UserError(
                f"Could not write the demo DBs in {data_dir.players_dir}: {exc}"
            ) from exc
        raise
    finally:
        con.close()
        bar.close()
    return DemoSummary(
        players_dir=data_dir.players_dir,
        seed=seed,
        unique_matches=plan.unique_matches,
        players=summaries,
        seconds=time.perf_counter() - started,
    )


def player_summary(
    spec: PlayerSpec, final: Path, counts: WrittenCounts, written: Path
) -> PlayerSummary:
    return PlayerSummary(
        gamertag=spec.gamertag,
        xuid=spec.xuid,
        path=final,
        legacy=spec.legacy,
        matches=counts.matches,
        participants=counts.participants,
        events=counts.events,
        medals=counts.medals,
        aliases=counts.aliases,
        size_bytes=written.stat().st_size,
    )


def require_own_tables(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """New matches go into the DB's own tables (not into compatibility views)."""
    tables = {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where database_name = 'out'"
        ).fetchall()
    }
    missing = [t for t in ALL_TABLES if t not in tables]
    if missing:
        raise UserError(
            f"{path} lacks the tables {', '.join(missing)} (missing, or replaced by views "
            "after the cleanup): demo matches cannot be added to it."
        )


def is_legacy_layout(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "select count(*) from duckdb_columns() where database_name = 'out' "
        "and table_name = 'match_stats' and column_name = 'end_time'"
    ).fetchone()
    return row[0] == 0


def append_new_matches(data_dir: DataDir, gamertag: str, count: int, seed: int) -> list[str]:
    """Add `count` brand-new matches (every table filled) to one existing player DB.

    The matches are played after the DB's latest one, by the owner and players the DB
    already knows. Everything is written in one transaction. Returns the new match ids.
    """
    path = data_dir.require_player(gamertag)
    if count < 1:
        raise UserError(f"The number of new matches must be at least 1 (got {count}).")
    con = staging_connection()
    try:
        with attached(con, path):
            require_own_tables(con, path)
            xuid = read_player_xuid(con, f"Player DB {path}", catalog="out")
            spec = PlayerSpec(
                gamertag=gamertag, xuid=xuid, overlap=None, legacy=is_legacy_layout(con)
            )
            taken = {
                r[0] for r in con.execute(f"select match_id from {OUT}.match_stats").fetchall()
            }
            latest = con.execute(f"select max(start_time) from {OUT}.match_stats").fetchone()[0]
            names = dict(
                con.execute(
                    f"select xuid, gamertag from {OUT}.xuid_aliases "
                    "where gamertag is not null and xuid <> $xuid",
                    {"xuid": xuid},
                ).fetchall()
            )
            plan = make_append_plan(
                spec,
                count,
                derived_seed(seed, gamertag, len(taken)),
                latest or datetime(2025, 9, 1),
                names,
                taken,
            )
            staging.build_matches(con, plan)
            staging.build_copies(con)
            single_writer(con)
            con.execute("begin transaction")
            try:
                write_player(con, spec, append=True)
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
    finally:
        con.close()
    return list(plan.matches["match_id"])

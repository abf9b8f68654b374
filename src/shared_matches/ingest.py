"""`shared-matches ingest`: land recorded Halo API responses, merge them, write the player's rows.

The directory layout is described in :mod:`shared_matches.landing.recorded` and in
docs/sync.md (the recorded-fixtures directory itself works). The responses are landed as
received (one transaction per match), the phase-3 build merges them into the warehouse, and
the player's rows of every match they played are written into their DB from the warehouse,
as a sync does. Running it again lands the responses again; the warehouse is unchanged.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from shared_matches.dbt_session import DbtSession
from shared_matches.duckdb_files import open_db
from shared_matches.landing.recorded import RecordedLanding, land_recorded
from shared_matches.landing.responses import human_xuid
from shared_matches.paths import DataDir, UserError
from shared_matches.player_identity import read_player_xuid
from shared_matches.sync.player_rows import PlayerStore, write_player_rows
from shared_matches.sync.warehouse_build import build_landing


@dataclass
class IngestSummary:
    gamertag: str
    landing: RecordedLanding | None = None
    xuid: str = ""
    written: list[str] = field(default_factory=list)
    build_seconds: float | None = None

    def format(self) -> str:
        lines = [self.landing.format()] if self.landing else []
        lines.append(
            f"ingest {self.gamertag} (xuid {self.xuid}): {len(self.written)} of their matches "
            "written into their DB from the warehouse"
        )
        if self.build_seconds is not None:
            lines.append(f"warehouse updated in {self.build_seconds:.1f} s")
        return "\n".join(lines)


def ingest_recorded(
    data_dir: DataDir,
    gamertag: str,
    source: Path,
    xuid: str | None = None,
    build: bool = True,
) -> IngestSummary:
    summary = IngestSummary(gamertag)
    owner = None
    if xuid:
        owner = human_xuid(xuid)
        if not owner:
            raise UserError(f"--xuid must be a 16-digit xuid, got {xuid!r}.")
    path = data_dir.player_db(gamertag)
    current = _current_owner(path)
    if owner is not None and current is not None and owner != current:
        # the owner check comes before anything is landed or created
        raise UserError(
            f"{path} belongs to xuid {current}, not to xuid {owner}: nothing was landed. "
            f"Ingest under that player's own gamertag, or leave out --xuid."
        )
    owner = owner or current
    landed = land_recorded(data_dir, source, gamertag, owner)
    summary.landing = landed
    summary.xuid = landed.player_xuid or ""
    if not build:
        return summary
    session = DbtSession(data_dir)
    summary.build_seconds = build_landing(session).seconds
    created = not path.exists()
    try:
        with PlayerStore.open(path) as store:
            store.claim_owner(summary.xuid, gamertag)
            mine = _matches_of(data_dir, summary.xuid, landed.matches)
            write_player_rows(data_dir, store, summary.xuid, mine)
            summary.written = mine
    except BaseException:
        if created:  # an ingest that fails leaves no ownerless DB behind
            for leftover in (path, path.with_name(path.name + ".wal")):
                leftover.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                path.parent.rmdir()
        raise
    return summary


def _current_owner(path: Path) -> str | None:
    """The owner xuid of an existing player DB (read-only), None without DB or owner."""
    if not path.is_file():
        return None
    with open_db(path, read_only=True) as con:
        try:
            return read_player_xuid(con, str(path))
        except UserError:
            return None


def _matches_of(data_dir: DataDir, xuid: str, match_ids: list[str]) -> list[str]:
    """Which of these matches the warehouse says the player has."""
    if not match_ids:
        return []
    with open_db(data_dir.warehouse, read_only=True) as con:
        rows = con.execute(
            "select match_id from match_players where player_xuid = ? "
            "and match_id = any(?::varchar[]) order by start_time, match_id",
            [xuid, match_ids],
        ).fetchall()
    return [r[0] for r in rows]

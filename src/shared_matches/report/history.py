"""The report's machine-readable twin (reports/*.json): what each migrate run did, per player,
and a digest of the state the report describes.

`status` reads the players' last recorded runs from it (new vs known exist only in a run:
the warehouse does not record which merge added a match). `report` compares the digest of
the current state with the latest report's: when nothing changed it keeps that report
instead of overwriting it with one that says less (the runs' own figures and checks).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from shared_matches import player_db
from shared_matches.cleanup.state import inspect_player_db
from shared_matches.duckdb_files import open_db
from shared_matches.landing.schema import landing_path
from shared_matches.paths import DataDir, UserError

FORMAT = 1
LATEST_JSON = "latest.json"


@dataclass(frozen=True)
class RecordedRun:
    """One player's part of a migrate run, as its report recorded it."""

    gamertag: str
    status: str  # "merged" or "up to date"
    matches: int
    new_matches: int
    known_matches: int
    seconds: float | None
    reported_at: str

    @classmethod
    def from_json(cls, item: dict[str, Any], reported_at: str) -> RecordedRun:
        return cls(
            gamertag=str(item["gamertag"]),
            status=str(item.get("status", "merged")),
            matches=int(item["matches"]),
            new_matches=int(item["new_matches"]),
            known_matches=int(item["known_matches"]),
            seconds=item.get("seconds"),
            reported_at=reported_at,
        )

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "reported_at"}


def read_documents(data_dir: DataDir) -> list[dict[str, Any]]:
    """Every report JSON of the data dir, oldest first (unreadable ones are left out)."""
    folder = data_dir.reports_dir
    documents = []
    for path in folder.glob("migration-*.json") if folder.is_dir() else []:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(document, dict) and document.get("format") == FORMAT:
            documents.append(document)
    return sorted(documents, key=lambda d: str(d.get("generated_at", "")))


def latest_document(data_dir: DataDir) -> dict[str, Any] | None:
    path = data_dir.reports_dir / LATEST_JSON
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def recorded_runs(data_dir: DataDir) -> dict[str, RecordedRun]:
    """Each player's last merged run recorded by a report (gamertag -> run)."""
    runs: dict[str, RecordedRun] = {}
    for document in read_documents(data_dir):
        for item in document.get("runs") or []:
            try:
                run = RecordedRun.from_json(item, str(document.get("generated_at")))
            except (KeyError, TypeError, ValueError):
                continue
            if run.status == "merged":
                runs[run.gamertag] = run
    return runs


def state_digest(data_dir: DataDir) -> str:
    """A digest of what a report describes: what was merged (merged_sources), each player
    DB's content and cleanup state, the landing's last response. Equal digests: nothing
    changed between two reports."""
    state: dict[str, Any] = {"merged": [], "players": {}, "landing": None}
    if data_dir.warehouse.is_file():
        with open_db(data_dir.warehouse, read_only=True) as con:
            try:
                rows = con.execute("select * from merged_sources order by source_id").fetchall()
            except duckdb.CatalogException:
                rows = []
        state["merged"] = [[str(v) for v in row] for row in rows]
    for gamertag in data_dir.discover_players():
        path = data_dir.player_db(gamertag)
        try:
            state["players"][gamertag] = [
                player_db.read_state(path).fingerprint,
                inspect_player_db(path).state,
            ]
        except UserError as exc:
            state["players"][gamertag] = ["unreadable", str(exc)]
    landing = landing_path(data_dir)
    if landing.is_file():
        state["landing"] = _landing_last_response(landing)
    text = json.dumps(state, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _landing_last_response(path: Path) -> int | None:
    try:
        with open_db(path, read_only=True) as con:
            return con.execute("select max(response_id) from responses").fetchone()[0]
    except (UserError, duckdb.Error):
        return None


def generated_text(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")

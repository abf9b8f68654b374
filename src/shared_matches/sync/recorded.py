"""Recorded API responses in a directory, as ``shared-matches ingest --from DIR`` reads them.

Layout (the recorded-fixtures directory itself qualifies). Every ``*.json`` file under DIR,
at any depth, is recognised by its content:

- match stats (``get_match_stats*.json``): an object with ``MatchId``, ``MatchInfo`` and
  ``Players``;
- match history pages (``get_match_history*.json``): an object whose ``Results`` rows have a
  ``MatchId``; a row is used for the owner when its outcome, team and rank agree with the
  owner's entry in the match stats;
- skill responses: an object whose ``Value`` entries have ``Id`` and ``Result``; the match id
  must appear in the file name (e.g. ``skill_<match_id>.json``), else the file is reported
  as unused;
- asset versions (``get_map.json``, ``get_playlist.json``...): an object with ``AssetId``,
  ``VersionId`` and ``PublicName`` (the kind told by ``RotationEntries``, ``MapLink``,
  ``EngineGameVariantLink`` or ``PrefabLinks``); a match whose exact asset version is not
  recorded gets the name of another recorded version of the same asset;
- anything else (film manifests, medal catalogue...) is ignored.

Film chunks are ``NN_<match_id>.gzip`` files (NN = film major version), decoded with
``spnkr.film.highlight_events.read(data, NN)``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spnkr.film import highlight_events

from shared_matches.paths import UserError
from shared_matches.sync.assets import AssetNameCache
from shared_matches.sync.parsing import guid_in
from shared_matches.sync.transform import AssetRef, FilmEvent

_FILM_NAME = re.compile(r"^(\d+)_([0-9a-fA-F-]{36})\.gzip$")
# An asset version's kind, told by a key only that kind of asset carries.
ASSET_KIND_KEYS = {
    "RotationEntries": "playlist",
    "MapLink": "pair",
    "EngineGameVariantLink": "game_variant",
    "PrefabLinks": "map",
}


@dataclass
class RecordedFilm:
    version: int
    path: Path

    def events(self) -> list[FilmEvent]:
        data = self.path.read_bytes()
        return [FilmEvent.from_spnkr(e) for e in highlight_events.read(data, self.version)]


@dataclass
class RecordedResponses:
    root: Path
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    skill: dict[str, dict[str, Any]] = field(default_factory=dict)
    films: dict[str, RecordedFilm] = field(default_factory=dict)
    assets: AssetNameCache = field(default_factory=lambda: AssetNameCache(None))
    unused: list[str] = field(default_factory=list)

    @classmethod
    def scan(cls, root: Path) -> RecordedResponses:
        if not root.is_dir():
            raise UserError(f"{root} is not a directory of recorded API responses.")
        found = cls(root)
        for path in sorted(root.rglob("*")):
            if path.suffix == ".json" and path.is_file():
                found._read_json(path)
            elif path.suffix == ".gzip" and path.is_file():
                match = _FILM_NAME.match(path.name)
                if match:
                    found.films[match.group(2).lower()] = RecordedFilm(int(match.group(1)), path)
                else:
                    found.unused.append(f"{path.name}: not named NN_<match_id>.gzip")
        if not found.stats:
            raise UserError(f"No match stats response (JSON with MatchId/Players) under {root}.")
        return found

    def _read_json(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self.unused.append(f"{path.name}: unreadable JSON ({exc})")
            return
        if not isinstance(data, dict):
            return
        if {"MatchId", "MatchInfo", "Players"} <= data.keys():
            self.stats[str(data["MatchId"]).lower()] = data
        elif isinstance(data.get("Results"), list):
            for row in data["Results"]:
                if isinstance(row, dict) and row.get("MatchId"):
                    self.history.setdefault(str(row["MatchId"]).lower(), []).append(row)
        elif isinstance(data.get("Value"), list) and all(
            isinstance(v, dict) and "Id" in v for v in data["Value"]
        ):
            match_id = guid_in(path.name)
            if match_id:
                self.skill[match_id] = data
            else:
                self.unused.append(f"{path.name}: skill response without a match id in its name")
        elif {"AssetId", "VersionId", "PublicName"} <= data.keys():
            kind = next((k for key, k in ASSET_KIND_KEYS.items() if key in data), None)
            if kind is not None:
                ref = AssetRef(kind, str(data["AssetId"]).lower(), str(data["VersionId"]).lower())
                self.assets.put(ref, str(data["PublicName"]))

    def history_row(self, match_id: str, owner: dict[str, Any]) -> dict[str, Any] | None:
        """The recorded history row that agrees with the owner's entry in the match stats."""
        for row in self.history.get(match_id, []):
            if all(row.get(k) == owner.get(k) for k in ("Outcome", "LastTeamId", "Rank")):
                return row
        return None

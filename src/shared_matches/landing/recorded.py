"""Land a directory of recorded Halo API responses (what ``ingest --from DIR`` reads).

Every ``*.json`` file under DIR, at any depth, is recognised by its content:

- match stats: an object with ``MatchId``, ``MatchInfo`` and ``Players``;
- match history pages: an object whose ``Results`` rows have a ``MatchId``;
- skill responses: an object whose ``Value`` entries have ``Id``; the match id must appear
  in the file name (e.g. ``skill_<match_id>.json``), else the file is unused;
- asset versions: an object with ``AssetId``, ``VersionId`` and ``PublicName``, the kind
  told by ``RotationEntries`` (playlist), ``MapLink`` (map-mode pair),
  ``EngineGameVariantLink`` (game variant) or ``PrefabLinks`` (map);

and, since the landing keeps every response a sync fetches, also:

- film manifests: an object whose ``CustomData`` has ``Chunks`` and ``MatchId``;
- user look-ups: an object with ``xuid`` and ``gamertag``, or a list of them.

A history page is landed as the player's only if every match of it whose stats are recorded
has the player in its roster with the row's team, outcome and rank (else it is another
player's page: skipped and reported).
Film chunks are ``NN_<match_id>.gzip`` files (NN = film major version), decoded with
``spnkr.film.highlight_events.read(data, NN)`` into film_events. Everything of one match
(stats, skill, manifest, chunk, decoded events) is landed in one transaction; a match whose
responses lack a required field is skipped whole and reported. Anything else is reported
as unused, with the reason.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared_matches.landing.films import decode_chunk
from shared_matches.landing.responses import (
    LandedFilm,
    LandedResponse,
    LandingDataError,
    human_xuid,
    is_xuid,
)
from shared_matches.landing.schema import landing_path
from shared_matches.landing.store import LandingStore
from shared_matches.paths import DataDir, UserError

_FILM_NAME = re.compile(r"^(\d+)_([0-9a-fA-F-]{36})\.gzip$")
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
# An asset version's kind, told by a key only that kind of asset carries.
ASSET_KIND_KEYS = {
    "RotationEntries": "asset_playlist",
    "MapLink": "asset_map_mode_pair",
    "EngineGameVariantLink": "asset_game_variant",
    "PrefabLinks": "asset_map",
}


@dataclass
class RecordedLanding:
    """What ``land_recorded`` landed, skipped and left unused."""

    source: Path
    landing: Path
    matches: list[str] = field(default_factory=list)
    responses: Counter[str] = field(default_factory=Counter)
    films: dict[str, str] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    player_xuid: str | None = None

    def format(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.responses.items())) or "none"
        lines = [
            f"landed {sum(self.responses.values())} responses ({kinds}) of "
            f"{len(self.matches)} matches from {self.source} into {self.landing}"
        ]
        lines += [f"film {m}: {state}" for m, state in sorted(self.films.items())]
        lines += [f"skipped {what}: {why}" for what, why in self.skipped]
        lines += [f"unused file {u}" for u in self.unused]
        return "\n".join(lines)


@dataclass
class _MatchFiles:
    responses: list[LandedResponse] = field(default_factory=list)
    manifest: LandedResponse | None = None
    chunk: LandedResponse | None = None

    def all(self) -> list[LandedResponse]:
        return [*self.responses, *(r for r in (self.manifest, self.chunk) if r is not None)]

    def for_player(self, xuid: str) -> _MatchFiles:
        """The match's responses, fetched for this tracked player."""
        return _MatchFiles(
            [replace(r, player_xuid=xuid) for r in self.responses],
            self.manifest,
            self.chunk,
        )


@dataclass
class _Scan:
    matches: dict[str, _MatchFiles] = field(default_factory=dict)
    history: list[LandedResponse] = field(default_factory=list)
    others: list[LandedResponse] = field(default_factory=list)
    gamertags: dict[str, set[str]] = field(default_factory=dict)
    unused: list[str] = field(default_factory=list)

    def match(self, match_id: str) -> _MatchFiles:
        return self.matches.setdefault(match_id, _MatchFiles())


def land_recorded(
    data_dir: DataDir, source_dir: Path, fetched_by: str, owner_xuid: str | None = None
) -> RecordedLanding:
    """Land every recorded response of ``source_dir`` into the data dir's landing DB.

    ``fetched_by`` is the gamertag of the tracked player the responses are for; the history
    pages are that player's (``owner_xuid``, else the one xuid the landed film events show
    with that gamertag). A page listing a match whose recorded stats do not give that xuid the
    row's team, outcome and rank is another player's: skipped (reported), not landed.
    """
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise UserError(f"{source_dir} is not a directory of recorded API responses.")
    if owner_xuid is not None and not is_xuid(owner_xuid):
        raise UserError(f"The owner xuid must have 16 digits, got {owner_xuid!r}.")
    now = datetime.now(UTC).replace(tzinfo=None)
    scan = _scan(source_dir, fetched_by, now)
    summary = RecordedLanding(source_dir, landing_path(data_dir), unused=scan.unused)
    # the owner first: every response of theirs is landed under their xuid, and nothing is
    # landed for an owner nobody can tell
    player = owner_xuid or _owner_of(fetched_by, scan)
    if player is None:
        raise UserError(
            f"Cannot tell {fetched_by}'s xuid: the recorded films and user look-ups under "
            f"{source_dir} do not show that gamertag once. Pass --xuid."
        )
    summary.player_xuid = player
    with LandingStore.for_data_dir(data_dir) as store:
        for match_id, files in sorted(scan.matches.items()):
            files = files.for_player(player)
            film = (
                LandedFilm(files.manifest, files.chunk) if files.manifest or files.chunk else None
            )
            try:
                landed = store.append_match(files.responses, film)
            except LandingDataError as exc:
                summary.skipped.append((f"match {match_id}", str(exc)))
                continue
            summary.matches.append(match_id)
            summary.responses.update(r.kind for r in files.all())
            if landed.film is not None:
                summary.films[match_id] = (
                    f"{landed.film.event_count} events"
                    if landed.film.ok
                    else f"undecodable ({landed.film.error})"
                )
        for response in scan.history:
            foreign = _foreign_history_row(response, player, scan)
            if foreign is not None:
                summary.skipped.append(
                    (
                        response.source or response.kind,
                        f"lists match {foreign}, whose recorded stats do not give xuid "
                        f"{player} the row's team, outcome and rank: not {fetched_by}'s "
                        "history, not landed",
                    )
                )
                continue
            summary.responses.update(_append(store, replace(response, player_xuid=player), summary))
        for response in scan.others:
            summary.responses.update(_append(store, response, summary))
    return summary


def _foreign_history_row(page: LandedResponse, player: str, scan: _Scan) -> str | None:
    """The first match of a history page that is not the player's, else None: its recorded
    stats lack the player, or give the player another team, outcome or rank than the row (the
    page is then another player's; landed under this one, it would give them that player's
    matches)."""
    try:
        rows = json.loads(page.payload or "{}").get("Results") or []
    except (ValueError, AttributeError):
        return None  # the landing refuses it with its own message
    for row in rows:
        match_id = str(row.get("MatchId") or "").lower() if isinstance(row, dict) else ""
        files = scan.matches.get(match_id)
        entries = [
            _player_entry(r, player)
            for r in (files.responses if files else [])
            if r.kind == "match_stats"
        ]
        if entries and not any(e is not None and _agrees(row, e) for e in entries):
            return match_id
    return None


def _player_entry(stats: LandedResponse, player: str) -> dict[str, Any] | None:
    """The player's entry of a recorded match stats response (None: not in its roster)."""
    try:
        players = json.loads(stats.payload or "{}").get("Players") or []
    except (ValueError, AttributeError):
        return None
    return next(
        (p for p in players if isinstance(p, dict) and human_xuid(p.get("PlayerId")) == player),
        None,
    )


def _agrees(row: dict[str, Any], entry: dict[str, Any]) -> bool:
    """A history row and a player's stats entry agree on team, outcome and rank (where the
    row gives them)."""
    return all(
        row.get(key) is None or row.get(key) == entry.get(key)
        for key in ("LastTeamId", "Outcome", "Rank")
    )


def _owner_of(gamertag: str, scan: _Scan) -> str | None:
    """The one xuid the recorded user look-ups and films show with this gamertag."""
    found = set(scan.gamertags.get(gamertag.lower(), set()))
    for files in scan.matches.values():
        if files.chunk is not None and files.chunk.body and files.chunk.film_version:
            decoded = decode_chunk(files.chunk.body, files.chunk.film_version)
            found |= {
                e.xuid for e in decoded.events if (e.gamertag or "").lower() == gamertag.lower()
            }
    return found.pop() if len(found) == 1 else None


def _append(store: LandingStore, response: LandedResponse, summary: RecordedLanding) -> list[str]:
    """Land one non-match response (one transaction); the kinds landed."""
    try:
        store.append([response])
    except LandingDataError as exc:
        summary.skipped.append((response.source or response.kind, str(exc)))
        return []
    return [response.kind]


def _scan(root: Path, fetched_by: str, now: datetime) -> _Scan:
    scan = _Scan()
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        name = str(path.relative_to(root))
        if path.suffix == ".json":
            _read_json(scan, path, name, fetched_by, now)
        elif path.suffix == ".gzip":
            found = _FILM_NAME.match(path.name)
            if not found:
                scan.unused.append(f"{name}: not named NN_<match_id>.gzip")
                continue
            match_id = found.group(2).lower()
            scan.match(match_id).chunk = LandedResponse(
                kind="film_chunk",
                http_status=200,
                fetched_at=now,
                fetched_by=fetched_by,
                match_id=match_id,
                request=path.name,
                body=path.read_bytes(),
                film_version=int(found.group(1)),
                source=name,
            )
    return scan


def _read_json(scan: _Scan, path: Path, name: str, fetched_by: str, now: datetime) -> None:
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, ValueError) as exc:
        scan.unused.append(f"{name}: unreadable JSON ({exc})")
        return

    def response(kind: str, **fields: Any) -> LandedResponse:
        return LandedResponse(
            kind=kind,
            http_status=200,
            fetched_at=now,
            fetched_by=fetched_by,
            payload=text,
            source=name,
            **fields,
        )

    if _is_user_lookup(data):
        users = data if isinstance(data, list) else [data]
        for user in users:
            scan.gamertags.setdefault(str(user["gamertag"]).lower(), set()).add(str(user["xuid"]))
        xuids = sorted({str(u["xuid"]) for u in users})
        player = xuids[0] if len(xuids) == 1 and is_xuid(xuids[0]) else None
        scan.others.append(response("user", player_xuid=player))
        return
    if not isinstance(data, dict):
        scan.unused.append(f"{name}: not a response the landing keeps")
        return
    if {"MatchId", "MatchInfo", "Players"} <= data.keys():
        match_id = str(data["MatchId"]).lower()
        scan.match(match_id).responses.append(response("match_stats", match_id=match_id))
    elif isinstance(data.get("Results"), list):
        if not any(isinstance(r, dict) and r.get("MatchId") for r in data["Results"]):
            scan.unused.append(f"{name}: a Results list without match ids")
            return
        request = (
            f"start={data['Start']}&count={data['Count']}"
            if "Start" in data and "Count" in data
            else None
        )
        scan.history.append(response("match_history", request=request))
    elif isinstance(data.get("Value"), list) and all(
        isinstance(v, dict) and "Id" in v for v in data["Value"]
    ):
        found = _GUID.search(path.name)
        if not found:
            scan.unused.append(f"{name}: skill response without a match id in its name")
            return
        match_id = found.group(0).lower()
        xuids = [x for v in data["Value"] if (x := human_xuid(v.get("Id"))) is not None]
        scan.match(match_id).responses.append(
            response("match_skill", match_id=match_id, request=",".join(xuids))
        )
    elif {"AssetId", "VersionId", "PublicName"} <= data.keys():
        kind = next((k for key, k in ASSET_KIND_KEYS.items() if key in data), None)
        if kind is None:
            scan.unused.append(f"{name}: an asset of unknown kind")
            return
        request = f"{str(data['AssetId']).lower()}/{str(data['VersionId']).lower()}"
        scan.others.append(response(kind, request=request))
    elif _is_film_manifest(data):
        match_id = str(data["CustomData"]["MatchId"]).lower()
        scan.match(match_id).manifest = response("film_manifest", match_id=match_id)
    else:
        scan.unused.append(f"{name}: not a response the landing keeps")


def _is_user_lookup(data: Any) -> bool:
    users = data if isinstance(data, list) else [data]
    return bool(users) and all(
        isinstance(u, dict) and {"xuid", "gamertag"} <= u.keys() for u in users
    )


def _is_film_manifest(data: dict[str, Any]) -> bool:
    custom = data.get("CustomData")
    return (
        isinstance(custom, dict)
        and isinstance(custom.get("Chunks"), list)
        and custom.get("MatchId") is not None
    )

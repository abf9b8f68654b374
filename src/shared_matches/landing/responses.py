"""One landed response, and the fields each kind of response must carry to be landed.

A response is kept exactly as received (the JSON text, or the film chunk's bytes). Before
anything of a match is written, every response is checked here: a response lacking a field
the staging models key their rows on is refused with a :class:`LandingDataError` saying
which field, and nothing of its match (or of its ``append`` call) is landed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from shared_matches.landing.schema import KINDS, MATCH_KINDS
from shared_matches.paths import UserError

HTTP_OK = 200
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_XUID = re.compile(r"^xuid\((\d+)\)$", re.IGNORECASE)
_PLAIN_XUID = re.compile(r"^\d{16}$")


class LandingDataError(UserError):
    """A response lacks a field it must carry: nothing of its match (or call) was landed."""


@dataclass(frozen=True)
class LandedResponse:
    """One API response as received, about to be landed (one row of ``responses``).

    ``payload`` is the JSON body as received (text); ``body`` the film chunk's bytes.
    ``source`` says where the response came from (a recorded file) for error messages; it is
    not stored.
    """

    kind: str
    http_status: int
    fetched_at: datetime
    fetched_by: str
    match_id: str | None = None
    player_xuid: str | None = None
    request: str | None = None
    payload: str | None = None
    body: bytes | None = None
    film_version: int | None = None
    source: str | None = None

    @classmethod
    def of_json(cls, kind: str, data: Any, **fields: Any) -> LandedResponse:
        """A 200 response whose body is already parsed (it is written back as JSON text)."""
        fields.setdefault("http_status", HTTP_OK)
        return cls(kind=kind, payload=json.dumps(data, ensure_ascii=False), **fields)

    def describe(self) -> str:
        about = f" for match {self.match_id}" if self.match_id else ""
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.kind} response{about}"


@dataclass(frozen=True)
class LandedFilm:
    """The film of one match: its manifest response and its highlight-events chunk response.

    ``manifest`` is None for a recorded chunk that came without its manifest; ``chunk`` is
    None when the manifest was a 404 or names no highlight-events chunk.
    """

    manifest: LandedResponse | None = None
    chunk: LandedResponse | None = None

    def responses(self) -> list[LandedResponse]:
        return [r for r in (self.manifest, self.chunk) if r is not None]


def is_xuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_PLAIN_XUID.match(value))


def human_xuid(player_id: Any) -> str | None:
    """``xuid(2535445291321133)`` (or the bare digits) -> the digits; bots -> None."""
    if player_id is None:
        return None
    text = str(player_id).strip()
    if text.isdigit():
        return text
    found = _XUID.match(text)
    return found.group(1) if found else None


def check_responses(
    responses: Sequence[LandedResponse], match_id: str | None, landing: Path
) -> None:
    """Raise :class:`LandingDataError` for the first response that cannot be landed."""
    for response in responses:
        problem = response_problem(response, match_id)
        if problem is not None:
            scope = f"match {match_id}" if match_id else "this call"
            raise LandingDataError(
                f"{response.describe()} {problem}: nothing of {scope} was landed in "
                f"{landing}; fix or leave out that response and land again."
            )


def response_problem(response: LandedResponse, match_id: str | None) -> str | None:
    """What makes one response unfit for landing, or None."""
    if response.kind not in KINDS:
        return f"has an unknown kind (one of {', '.join(KINDS)} expected)"
    if not isinstance(response.http_status, int) or not 100 <= response.http_status <= 599:
        return f"has no valid HTTP status ({response.http_status!r})"
    if not isinstance(response.fetched_at, datetime):
        return "lacks fetched_at (a timestamp)"
    if not response.fetched_by or not str(response.fetched_by).strip():
        return "lacks fetched_by (the gamertag of the tracked player who fetched it)"
    if response.player_xuid is not None and not is_xuid(response.player_xuid):
        return f"has player_xuid {response.player_xuid!r}, not a 16-digit xuid"
    if response.kind in MATCH_KINDS:
        if match_id is None:
            return "is about one match: land it with append_match"
        if response.match_id != match_id:
            return f"is about match {response.match_id}, not {match_id}"
    if match_id is not None and response.kind not in MATCH_KINDS:
        return "is not about one match: land it with append"
    if response.match_id is not None and not _GUID.match(response.match_id):
        return f"has match_id {response.match_id!r}, not a lower-case GUID"
    if response.kind == "film_chunk":
        return _chunk_problem(response)
    if response.body is not None:
        return "carries bytes: only a film_chunk does"
    if response.http_status != HTTP_OK:
        return None if response.payload is None else "carries a body with a non-200 status"
    if response.payload is None:
        return "lacks its JSON body"
    try:
        data = json.loads(response.payload, parse_constant=_no_constant)
    except (TypeError, ValueError) as exc:
        return f"is not valid JSON ({exc})"
    return _missing_field(response.kind, data, response.match_id)


def _chunk_problem(response: LandedResponse) -> str | None:
    if response.payload is not None:
        return "carries a JSON body: a film chunk keeps bytes only"
    if response.http_status != HTTP_OK:
        return None if response.body is None else "carries bytes with a non-200 status"
    if not isinstance(response.body, bytes | bytearray) or not response.body:
        return "lacks the chunk's bytes"
    if not isinstance(response.film_version, int):
        return "lacks film_version (the film's major version)"
    return None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _missing_field(kind: str, data: Any, match_id: str | None) -> str | None:
    """The first required field the JSON of one kind lacks (None when complete)."""
    if kind == "match_stats":
        return _stats_problem(data, match_id)
    if kind == "match_history":
        if not isinstance(data, dict) or not isinstance(data.get("Results"), list):
            return "lacks required field Results"
        for i, row in enumerate(data["Results"]):
            if not isinstance(row, dict) or not row.get("MatchId"):
                return f"lacks required field Results[{i}].MatchId"
        return None
    if kind == "match_skill":
        if not isinstance(data, dict) or not isinstance(data.get("Value"), list):
            return "lacks required field Value"
        for i, entry in enumerate(data["Value"]):
            if not isinstance(entry, dict) or entry.get("Id") is None:
                return f"lacks required field Value[{i}].Id"
        return None
    if kind == "film_manifest":
        custom = data.get("CustomData") if isinstance(data, dict) else None
        if not isinstance(custom, dict) or not isinstance(custom.get("Chunks"), list):
            return "lacks required field CustomData.Chunks"
        found = custom.get("MatchId")
        if found is not None and str(found).lower() != match_id:
            return f"has CustomData.MatchId {found}"
        return None
    if kind == "user":
        users = data if isinstance(data, list) else [data]
        for user in users:
            if not isinstance(user, dict) or user.get("xuid") is None:
                return "lacks required field xuid"
        return None
    # the asset kinds
    if not isinstance(data, dict):
        return "is not a JSON object"
    for name in ("AssetId", "VersionId"):
        if not data.get(name):
            return f"lacks required field {name}"
    return None


def _stats_problem(stats: Any, match_id: str | None) -> str | None:
    if not isinstance(stats, dict):
        return "is not a JSON object"
    if not stats.get("MatchId"):
        return "lacks required field MatchId"
    if str(stats["MatchId"]).lower() != match_id:
        return f"has MatchId {stats['MatchId']}"
    info = stats.get("MatchInfo")
    if not isinstance(info, dict) or info.get("StartTime") is None:
        return "lacks required field MatchInfo.StartTime"
    players = stats.get("Players")
    if not isinstance(players, list) or not players:
        return "lacks required field Players"
    humans = [
        (xuid, p)
        for p in players
        if isinstance(p, dict) and (xuid := human_xuid(p.get("PlayerId"))) is not None
    ]
    if not humans:
        return "has no human player"
    for xuid, player in humans:
        team_stats = player.get("PlayerTeamStats")
        if (
            not isinstance(team_stats, list)
            or not team_stats
            or any(_core_stats(ts) is None for ts in team_stats)
        ):
            return f"lacks required field Players[xuid({xuid})].PlayerTeamStats.CoreStats"
    return None


def _core_stats(team_stats: Any) -> Any:
    stats = team_stats.get("Stats") if isinstance(team_stats, dict) else None
    return stats.get("CoreStats") if isinstance(stats, dict) else None

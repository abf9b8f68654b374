"""Small readers for the shapes of the real Halo Infinite API responses.

The API speaks in wrapped player ids (``xuid(2535445291321133)``, bots ``bid(58.0)``),
ISO-8601 durations (``PT9M9.42S``) and UTC timestamps with a ``Z`` suffix. These functions turn
them into the plain values the v4 player DB stores, and say clearly what is missing when a
response lacks a field the transformers need.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

_DURATION = re.compile(
    r"^P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


class MatchDataError(ValueError):
    """A response lacks a field the transformers need (the match is skipped and reported)."""


def duration_seconds(value: Any) -> float | None:
    """ISO-8601 duration (``PT18M31.2141873S``) in seconds; None when absent or unreadable."""
    if not value or not isinstance(value, str):
        return None
    found = _DURATION.match(value.strip())
    if not found:
        return None
    parts = {k: float(v) for k, v in found.groupdict().items() if v}
    return (
        parts.get("days", 0.0) * 86400
        + parts.get("hours", 0.0) * 3600
        + parts.get("minutes", 0.0) * 60
        + parts.get("seconds", 0.0)
    )


def timestamp(value: Any) -> datetime | None:
    """API timestamp (``2025-01-29T04:20:33.441Z``) as a naive UTC datetime."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    # Python 3.11 accepts up to 6 fractional digits; the API sometimes sends 7.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def guid_in(text: str) -> str | None:
    """The first GUID found in a text (a file name), lower case."""
    found = _GUID.search(text)
    return found.group(0).lower() if found else None


def dig(obj: Any, *path: str | int) -> Any:
    """``obj[path[0]][path[1]]...``, None as soon as a step is missing."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(obj, list) or not -len(obj) <= step < len(obj):
                return None
            obj = obj[step]
        else:
            if not isinstance(obj, dict):
                return None
            obj = obj.get(step)
        if obj is None:
            return None
    return obj


def require(obj: Any, *path: str | int, what: str = "match stats") -> Any:
    """Like :func:`dig`, but a missing value raises :class:`MatchDataError` naming the field."""
    value = dig(obj, *path)
    if value is None:
        field = ".".join(str(p) for p in path)
        raise MatchDataError(f"{what} lacks required field {field}")
    return value

"""Decoding a landed highlight-events film chunk into its events (one actor per event).

The decoder is spnkr's ``highlight_events.read(data, version)``; its name and version
(``spnkr 0.10.2``) are kept with every event and decode attempt, so a chunk can be decoded
again by a newer decoder without losing the older result.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from spnkr.film import highlight_events


def decoder_name() -> str:
    return f"spnkr {version('spnkr')}"


@dataclass(frozen=True)
class DecodedEvent:
    """One highlight event as the decoder gives it (xuid as text, event type lower case)."""

    event_type: str
    time_ms: int
    xuid: str | None
    gamertag: str | None
    type_hint: int | None
    is_medal: bool | None
    medal_value: int | None
    medal_name: str | None

    @classmethod
    def from_spnkr(cls, event: Any) -> DecodedEvent:
        return cls(
            event_type=str(event.event_type).lower(),
            time_ms=int(event.time_ms),
            xuid=None if event.xuid is None else str(event.xuid),
            gamertag=event.gamertag or None,
            type_hint=event.type_hint,
            is_medal=bool(event.is_medal),
            medal_value=event.medal_value,
            medal_name=event.medal_name,
        )


@dataclass(frozen=True)
class Decoded:
    """The outcome of one decode attempt: the events, or the error that stopped it."""

    decoder: str
    events: tuple[DecodedEvent, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def decode_chunk(data: bytes, film_version: int) -> Decoded:
    """Decode a chunk; a chunk that does not decode gives its error, never an exception."""
    name = decoder_name()
    try:
        events = tuple(
            DecodedEvent.from_spnkr(e) for e in highlight_events.read(data, film_version)
        )
    except Exception as exc:  # the chunk parser raises several error types
        message = " ".join(str(exc).split()) or "no message"
        return Decoded(name, error=f"{type(exc).__name__}: {message}")
    return Decoded(name, events)

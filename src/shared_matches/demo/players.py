"""Who the demo players are: names, xuids, overlaps with the reference player, quirks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from shared_matches.paths import SEED_ORDER, UserError, order_players

REFERENCE_PLAYER = SEED_ORDER[0]
DEFAULT_OVERLAPS: dict[str, float] = {"Madina97294": 0.95, "JGtm": 0.75, "xxdameongamerxx": 1.0}
EXTRA_PLAYER_OVERLAP = 0.5

# The real-world mess, tied to the players of the plan that show it.
LEGACY_LAYOUT_PLAYERS = frozenset({"JGtm"})  # older layout, sync_meta without the xuid
INCOMPLETE_PLAYERS = frozenset({"Madina97294"})  # copies without events / stats / gamertags
LATE_ALIAS_PLAYERS = frozenset({"xxdameongamerxx"})  # saw a gamertag change nobody else saw
# How long after a match each player's sync picks it up (hours, at most).
SYNC_LAG_HOURS = {REFERENCE_PLAYER: 6.0, "xxdameongamerxx": 480.0}
DEFAULT_SYNC_LAG_HOURS = 72.0


@dataclass(frozen=True)
class PlayerSpec:
    gamertag: str
    xuid: str
    overlap: float | None  # fraction of this player's matches also held by the reference
    legacy: bool = False
    incomplete: bool = False
    late_alias: bool = False
    max_lag_hours: float = DEFAULT_SYNC_LAG_HOURS

    @property
    def is_reference(self) -> bool:
        return self.overlap is None


def tracked_xuid(gamertag: str) -> str:
    """A stable 16-digit xuid for a tracked player (the same whatever the seed)."""
    digest = int.from_bytes(hashlib.sha256(gamertag.encode("utf-8")).digest()[:8], "big")
    return f"2535{4 * 10**11 + digest % (6 * 10**11):012d}"


def validate_gamertag(gamertag: str) -> str:
    name = gamertag.strip()
    if not name or name in {".", ".."} or any(ch in name for ch in "/\\\0"):
        raise UserError(f"'{gamertag}' is not a usable gamertag (it names a folder).")
    return name


def resolve_players(
    players: list[str] | None, overlaps: dict[str, float] | None
) -> list[PlayerSpec]:
    """The players to generate, in migration order, the first of the order as reference."""
    names = [validate_gamertag(p) for p in (players or list(SEED_ORDER))]
    lowered = [n.lower() for n in names]
    if len(set(lowered)) != len(lowered):
        raise UserError(f"A player is listed twice: {', '.join(names)}.")
    ordered = order_players(names)
    reference = REFERENCE_PLAYER if REFERENCE_PLAYER in ordered else ordered[0]
    given = dict(overlaps or {})
    unknown = sorted(set(given) - set(ordered))
    if unknown:
        raise UserError(
            f"--overlap names a player who is not generated: {', '.join(unknown)} "
            f"(players: {', '.join(ordered)})."
        )
    if reference in given:
        raise UserError(
            f"{reference} is the reference player: overlaps are measured against it, "
            "so it takes no --overlap."
        )
    for name, fraction in given.items():
        if not 0.0 <= fraction <= 1.0:
            raise UserError(f"Overlap of {name} must be between 0 and 1 (got {fraction}).")
    specs = []
    for name in [reference] + [n for n in ordered if n != reference]:
        overlap = None
        if name != reference:
            overlap = given.get(name, DEFAULT_OVERLAPS.get(name, EXTRA_PLAYER_OVERLAP))
        specs.append(
            PlayerSpec(
                gamertag=name,
                xuid=tracked_xuid(name),
                overlap=overlap,
                legacy=name in LEGACY_LAYOUT_PLAYERS,
                incomplete=name in INCOMPLETE_PLAYERS,
                late_alias=name in LATE_ALIAS_PLAYERS,
                max_lag_hours=SYNC_LAG_HOURS.get(name, DEFAULT_SYNC_LAG_HOURS),
            )
        )
    xuids = {s.xuid for s in specs}
    if len(xuids) != len(specs):  # pragma: no cover - a sha256 collision on 12 digits
        raise UserError("Two players got the same xuid; rename one of them.")
    return specs


def parse_overlap(text: str) -> tuple[str, float]:
    """`NAME=FRACTION` (the name may contain spaces)."""
    name, sep, value = text.rpartition("=")
    if not sep or not name.strip():
        raise UserError(f"--overlap wants NAME=FRACTION, got '{text}'.")
    try:
        fraction = float(value)
    except ValueError:
        raise UserError(f"--overlap {text}: '{value}' is not a number.") from None
    return name.strip(), fraction

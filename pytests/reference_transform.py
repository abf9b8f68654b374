"""The sync's former Python transform, kept as an independent reference for the tests: the
halo_api staging models (SQL) must give the same values on every recorded response.

Turn real Halo Infinite API responses into the rows of a v4 player DB.

One match gives, for its owner (the tracked player whose DB is written):
- ``match_stats``: the owner's view (their team is "my" team, the best other team the enemy);
- ``player_match_stats``: the owner's entry of the skill response;
- ``match_participants``: every human of the roster (bots, ``bid(..)``, are skipped);
- ``medals_earned``: the owner's medals;
- ``highlight_events``: the film's highlight events (one actor per row);
- ``xuid_aliases``: the gamertags seen in the film (and the owner's own).

The column sets are those of :mod:`shared_matches.v4_schema`; columns computed by the
player's app (sessions, friends, performance score) are left NULL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from spnkr.models.refdata import GameVariantCategory

from shared_matches.landing.responses import human_xuid
from shared_matches.sync.parsing import (
    MatchDataError,
    dig,
    duration_seconds,
    require,
    timestamp,
)

# backfill_completed bits, as in the player DBs.
BACKFILL_MEDALS = 1
BACKFILL_EVENTS = 2
BACKFILL_SKILL = 4
BACKFILL_PARTICIPANTS = 512
BACKFILL_ALIASES = 16384

FIREFIGHT_CATEGORY = 42
PVE_EXPERIENCES = {4, 6}
CUSTOM_LIFECYCLE = 1

ASSET_FIELDS = {
    "playlist": "Playlist",
    "map": "MapVariant",
    "pair": "PlaylistMapModePair",
    "game_variant": "UgcGameVariant",
}


@dataclass(frozen=True)
class AssetRef:
    """One asset version a match refers to (kind: playlist, map, pair, game_variant)."""

    kind: str
    asset_id: str
    version_id: str


@dataclass
class FilmEvent:
    """A highlight event, as read by ``spnkr.film.highlight_events.read`` (xuid as text)."""

    xuid: str
    gamertag: str | None
    type_hint: int | None
    is_medal: bool | None
    event_type: str
    time_ms: int
    medal_value: int | None
    medal_name: str | None

    @classmethod
    def from_spnkr(cls, event: Any) -> FilmEvent:
        return cls(
            xuid=str(event.xuid),
            gamertag=event.gamertag or None,
            type_hint=event.type_hint,
            is_medal=bool(event.is_medal),
            event_type=str(event.event_type).lower(),
            time_ms=int(event.time_ms),
            medal_value=event.medal_value,
            medal_name=event.medal_name,
        )

    def raw_json(self) -> str:
        return json.dumps(
            {
                "xuid": self.xuid,
                "gamertag": self.gamertag,
                "type_hint": self.type_hint,
                "is_medal": self.is_medal,
                "event_type": self.event_type,
                "time_ms": self.time_ms,
                "medal_value": self.medal_value,
                "medal_name": self.medal_name,
            },
            sort_keys=True,
        )


@dataclass
class MatchRows:
    """Everything one match writes into its owner's DB (one transaction)."""

    match_id: str
    match_stats: dict[str, Any]
    player_match_stats: dict[str, Any] | None = None
    participants: list[dict[str, Any]] = field(default_factory=list)
    medals: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    aliases: list[dict[str, Any]] = field(default_factory=list)


def asset_refs(match_info: Mapping[str, Any]) -> list[AssetRef]:
    """The asset versions a match (or history row) refers to; custom games may lack some."""
    refs = []
    for kind, key in ASSET_FIELDS.items():
        asset_id = dig(match_info, key, "AssetId")
        version_id = dig(match_info, key, "VersionId")
        if asset_id and version_id:
            refs.append(AssetRef(kind, str(asset_id).lower(), str(version_id).lower()))
    return refs


def mode_category(category: Any) -> str | None:
    """``GameVariantCategory`` 18 -> ``oddball`` (the enum name, lower case, no prefix)."""
    try:
        name = GameVariantCategory(int(category)).name
    except (TypeError, ValueError):
        return None
    return name.removeprefix("MULTIPLAYER_").lower()


def human_players(stats: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(xuid, player entry) of every human of the roster, bots skipped."""
    out = []
    for player in stats.get("Players") or []:
        xuid = human_xuid(player.get("PlayerId"))
        if xuid is not None:
            out.append((xuid, player))
    return out


def validate_match_stats(stats: Any, owner_xuid: str | None = None) -> None:
    """Raise :class:`MatchDataError` when the response lacks a field the rows need."""
    if not isinstance(stats, dict):
        raise MatchDataError("match stats is not a JSON object")
    require(stats, "MatchId")
    require(stats, "MatchInfo", "StartTime")
    players = require(stats, "Players")
    if not isinstance(players, list) or not players:
        raise MatchDataError("match stats lacks required field Players")
    humans = human_players(stats)
    if not humans:
        raise MatchDataError("match stats has no human player")
    for xuid, player in humans:
        team_stats = player.get("PlayerTeamStats")
        if not team_stats or any(dig(ts, "Stats", "CoreStats") is None for ts in team_stats):
            raise MatchDataError(
                f"match stats lacks required field Players[xuid({xuid})].PlayerTeamStats.CoreStats"
            )
    if owner_xuid is not None and owner_xuid not in {x for x, _ in humans}:
        raise MatchDataError(f"match stats has no entry for the owner xuid({owner_xuid})")


def _core_list(player: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [dig(ts, "Stats", "CoreStats") or {} for ts in player.get("PlayerTeamStats") or []]


def _sum(cores: list[Mapping[str, Any]], key: str) -> int | float | None:
    values = [c.get(key) for c in cores if c.get(key) is not None]
    return sum(values) if values else None


def _player_facts(player: Mapping[str, Any]) -> dict[str, Any]:
    """A player's counts summed over their team stats (a player can change team)."""
    cores = _core_list(player)
    facts: dict[str, Any] = {
        key: _sum(cores, api)
        for key, api in (
            ("kills", "Kills"),
            ("deaths", "Deaths"),
            ("assists", "Assists"),
            ("headshot_kills", "HeadshotKills"),
            ("grenade_kills", "GrenadeKills"),
            ("melee_kills", "MeleeKills"),
            ("power_weapon_kills", "PowerWeaponKills"),
            ("shots_fired", "ShotsFired"),
            ("shots_hit", "ShotsHit"),
            ("damage_dealt", "DamageDealt"),
            ("damage_taken", "DamageTaken"),
            ("score", "Score"),
            ("personal_score", "PersonalScore"),
        )
    }
    sprees = [c["MaxKillingSpree"] for c in cores if c.get("MaxKillingSpree") is not None]
    facts["max_killing_spree"] = max(sprees) if sprees else None
    lives = [duration_seconds(c.get("AverageLifeDuration")) for c in cores]
    lives = [v for v in lives if v is not None]
    if len(cores) == 1:
        facts["kda"] = cores[0].get("KDA")
        facts["accuracy"] = cores[0].get("Accuracy")
        facts["avg_life_seconds"] = lives[0] if lives else None
    else:
        facts["kda"] = kda(facts["kills"], facts["deaths"], facts["assists"])
        facts["accuracy"] = accuracy(facts["shots_hit"], facts["shots_fired"])
        facts["avg_life_seconds"] = sum(lives) / len(lives) if lives else None
    for key in ("damage_dealt", "damage_taken", "kda", "accuracy"):
        if facts[key] is not None:
            facts[key] = float(facts[key])
    return facts


def kda(kills: Any, deaths: Any, assists: Any) -> float | None:
    """Halo's KDA: kills + assists / 3 - deaths."""
    if kills is None or deaths is None:
        return None
    return round(kills + (assists or 0) / 3 - deaths, 2)


def accuracy(shots_hit: Any, shots_fired: Any) -> float | None:
    if not shots_fired or shots_hit is None:
        return None
    return round(100.0 * shots_hit / shots_fired, 2)


def team_scores(stats: Mapping[str, Any]) -> dict[int, int]:
    """Team id -> team score (``Teams[].Stats.CoreStats.Score``)."""
    out = {}
    for team in stats.get("Teams") or []:
        team_id = team.get("TeamId")
        score = dig(team, "Stats", "CoreStats", "Score")
        if team_id is not None and score is not None:
            out[int(team_id)] = int(score)
    return out


def my_and_enemy_score(
    scores: Mapping[int, int], team_id: int | None
) -> tuple[int | None, int | None]:
    """The owner's team score and the best score among the other teams."""
    if team_id is None or team_id not in scores:
        return None, None
    others = [s for t, s in scores.items() if t != team_id]
    return scores[team_id], (max(others) if others else None)


def is_ranked(playlist_name: str | None, lifecycle_mode: Any) -> bool | None:
    """Ranked when the playlist's public name says so; custom games never are."""
    if lifecycle_mode == CUSTOM_LIFECYCLE:
        return False
    if playlist_name is None:
        return None
    return "ranked" in playlist_name.lower()


def skill_entry(skill: Mapping[str, Any] | None, xuid: str) -> Mapping[str, Any] | None:
    """The skill response's result for one player (None when absent or not ResultCode 0)."""
    for entry in (skill or {}).get("Value") or []:
        if human_xuid(entry.get("Id")) == xuid and entry.get("ResultCode", 0) == 0:
            return entry.get("Result")
    return None


def mmr_pair(result: Mapping[str, Any] | None) -> tuple[float | None, float | None]:
    """(team MMR, best other team MMR) of one skill result."""
    if not result:
        return None, None
    team_id = result.get("TeamId")
    mmrs = {int(k): v for k, v in (result.get("TeamMmrs") or {}).items() if v is not None}
    team_mmr = result.get("TeamMmr", mmrs.get(team_id) if team_id is not None else None)
    others = [v for k, v in mmrs.items() if k != team_id]
    return team_mmr, (max(others) if others else None)


def player_match_stats_row(
    match_id: str, owner_xuid: str, skill: Mapping[str, Any] | None, now: datetime
) -> dict[str, Any] | None:
    result = skill_entry(skill, owner_xuid)
    if result is None:
        return None
    team_mmr, enemy_mmr = mmr_pair(result)
    row: dict[str, Any] = {
        "match_id": match_id,
        "xuid": owner_xuid,
        "team_id": result.get("TeamId"),
        "team_mmr": team_mmr,
        "enemy_mmr": enemy_mmr,
        "created_at": now,
    }
    for stat in ("kills", "deaths", "assists"):
        perf = dig(result, "StatPerformances", stat.capitalize()) or {}
        row[f"{stat}_expected"] = perf.get("Expected")
        row[f"{stat}_stddev"] = perf.get("StdDev")
    return row


def participant_rows(
    match_id: str, stats: Mapping[str, Any], gamertags: Mapping[str, str]
) -> list[dict[str, Any]]:
    rows = []
    for xuid, player in human_players(stats):
        facts = _player_facts(player)
        rows.append(
            {
                "match_id": match_id,
                "xuid": xuid,
                "team_id": player.get("LastTeamId"),
                "outcome": player.get("Outcome"),
                "gamertag": gamertags.get(xuid),
                "rank": player.get("Rank"),
                "score": facts["personal_score"],
                "kills": facts["kills"],
                "deaths": facts["deaths"],
                "assists": facts["assists"],
                "shots_fired": facts["shots_fired"],
                "shots_hit": facts["shots_hit"],
                "damage_dealt": facts["damage_dealt"],
                "damage_taken": facts["damage_taken"],
                "avg_life_seconds": facts["avg_life_seconds"],
            }
        )
    return rows


def medal_rows(match_id: str, player: Mapping[str, Any]) -> list[dict[str, Any]]:
    counts: dict[int, int] = {}
    for core in _core_list(player):
        for medal in core.get("Medals") or []:
            name_id = medal.get("NameId")
            if name_id is not None:
                counts[int(name_id)] = counts.get(int(name_id), 0) + int(medal.get("Count") or 0)
    return [
        {"match_id": match_id, "medal_name_id": name_id, "count": count}
        for name_id, count in sorted(counts.items())
    ]


def event_rows(match_id: str, events: Iterable[FilmEvent]) -> list[dict[str, Any]]:
    return [
        {
            "match_id": match_id,
            "event_type": event.event_type,
            "time_ms": event.time_ms,
            "xuid": event.xuid,
            "gamertag": event.gamertag,
            "type_hint": event.type_hint,
            "raw_json": event.raw_json(),
        }
        for event in events
    ]


def alias_rows(
    gamertags: Mapping[str, str], last_seen: datetime | None, source: str, now: datetime
) -> list[dict[str, Any]]:
    return [
        {"xuid": x, "gamertag": g, "last_seen": last_seen, "source": source, "updated_at": now}
        for x, g in sorted(gamertags.items())
        if g
    ]


def gamertags_from_events(events: Iterable[FilmEvent]) -> dict[str, str]:
    out: dict[str, str] = {}
    for event in events:
        if event.gamertag:
            out[event.xuid] = event.gamertag
    return out


def teammates_signature(stats: Mapping[str, Any], owner_xuid: str, team_id: Any) -> str | None:
    """The owner's human teammates, sorted xuids joined by commas (None when alone)."""
    mates = sorted(
        x for x, p in human_players(stats) if x != owner_xuid and p.get("LastTeamId") == team_id
    )
    return ",".join(mates) or None


def build_match_rows(
    stats: Mapping[str, Any],
    owner_xuid: str,
    owner_gamertag: str,
    *,
    asset_names: Mapping[str, str | None],
    now: datetime,
    skill: Mapping[str, Any] | None = None,
    events: list[FilmEvent] | None = None,
    history_row: Mapping[str, Any] | None = None,
    known_gamertags: Mapping[str, str] | None = None,
) -> MatchRows:
    """All the v4 rows of one match for its owner, from the real responses.

    ``asset_names`` maps playlist/map/pair/game_variant to public names; ``events`` is None
    when the film could not be read (the events bit of backfill_completed stays unset).
    """
    validate_match_stats(stats, owner_xuid)
    match_id = str(stats["MatchId"]).lower()
    info = stats["MatchInfo"]
    owner = dict(human_players(stats))[owner_xuid]
    facts = _player_facts(owner)
    team_id = owner.get("LastTeamId")
    my_score, enemy_score = my_and_enemy_score(team_scores(stats), team_id)
    skill_result = skill_entry(skill, owner_xuid)
    team_mmr, enemy_mmr = mmr_pair(skill_result)
    start = timestamp(info.get("StartTime"))
    end = timestamp(info.get("EndTime"))
    playlist_name = asset_names.get("playlist")
    category = info.get("GameVariantCategory")
    present_at_end = dig(history_row, "PresentAtEndOfMatch") if history_row else None
    if present_at_end is None:
        present_at_end = dig(owner, "ParticipationInfo", "PresentAtCompletion")

    seen = gamertags_from_events(events or [])
    seen[owner_xuid] = owner_gamertag
    gamertags = {**(known_gamertags or {}), **seen}

    backfill = BACKFILL_MEDALS | BACKFILL_PARTICIPANTS | BACKFILL_ALIASES
    if events is not None:
        backfill |= BACKFILL_EVENTS
    pms = player_match_stats_row(match_id, owner_xuid, skill, now)
    if pms is not None:
        backfill |= BACKFILL_SKILL

    match_stats = {
        "match_id": match_id,
        "start_time": start,
        "playlist_id": _asset_id(info, "Playlist"),
        "playlist_name": playlist_name,
        "map_id": _asset_id(info, "MapVariant"),
        "map_name": asset_names.get("map"),
        "pair_id": _asset_id(info, "PlaylistMapModePair"),
        "pair_name": asset_names.get("pair"),
        "game_variant_id": _asset_id(info, "UgcGameVariant"),
        "game_variant_name": asset_names.get("game_variant"),
        "outcome": owner.get("Outcome"),
        "team_id": team_id,
        "kills": facts["kills"],
        "deaths": facts["deaths"],
        "assists": facts["assists"],
        "kda": facts["kda"],
        "accuracy": facts["accuracy"],
        "headshot_kills": facts["headshot_kills"],
        "max_killing_spree": facts["max_killing_spree"],
        "time_played_seconds": duration_seconds(dig(owner, "ParticipationInfo", "TimePlayed")),
        "avg_life_seconds": facts["avg_life_seconds"],
        "my_team_score": my_score,
        "enemy_team_score": enemy_score,
        "team_mmr": team_mmr,
        "enemy_mmr": enemy_mmr,
        "is_firefight": category == FIREFIGHT_CATEGORY
        or info.get("PlaylistExperience") in PVE_EXPERIENCES,
        "teammates_signature": teammates_signature(stats, owner_xuid, team_id),
        "created_at": now,
        "updated_at": now,
        "rank": owner.get("Rank"),
        "damage_dealt": facts["damage_dealt"],
        "damage_taken": facts["damage_taken"],
        "shots_fired": facts["shots_fired"],
        "shots_hit": facts["shots_hit"],
        "grenade_kills": facts["grenade_kills"],
        "melee_kills": facts["melee_kills"],
        "power_weapon_kills": facts["power_weapon_kills"],
        "score": facts["score"],
        "personal_score": facts["personal_score"],
        "mode_category": mode_category(category),
        "is_ranked": is_ranked(playlist_name, info.get("LifecycleMode")),
        "left_early": None if present_at_end is None else not present_at_end,
        "end_time": end,
        "backfill_completed": backfill,
    }
    return MatchRows(
        match_id=match_id,
        match_stats=match_stats,
        player_match_stats=pms,
        participants=participant_rows(match_id, stats, gamertags),
        medals=medal_rows(match_id, owner),
        events=event_rows(match_id, events or []),
        aliases=alias_rows(seen, end or start, "film" if events else "sync", now),
    )


def _asset_id(info: Mapping[str, Any], key: str) -> str | None:
    value = dig(info, key, "AssetId")
    return str(value).lower() if value else None

"""The rows of a match the warehouse already holds, for the owner who syncs it next.

A known match costs no API call: the roster, the events and the aliases are copies of the
warehouse rows (identical rows, so the next migration deduplicates them away), and the
owner's ``match_stats`` row is put together from the registry (match-level facts), the
history row (outcome, team, rank) and the owner's own roster row (kills, deaths, shots...).
What only the match-stats response carries (medals, headshots, spree, time played) stays
NULL and the backfill bits say so; ``--personal-stats`` fetches it (one call per match).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shared_matches.sync.parsing import dig, timestamp
from shared_matches.sync.transform import (
    BACKFILL_ALIASES,
    BACKFILL_EVENTS,
    BACKFILL_MEDALS,
    BACKFILL_PARTICIPANTS,
    MatchRows,
    accuracy,
    kda,
)
from shared_matches.sync.warehouse_lookup import KnownMatch
from shared_matches.v4_schema import column_names

PARTICIPANT_COLUMNS = column_names("match_participants")


def team_mmrs(known: KnownMatch, team_id: Any) -> tuple[float | None, float | None]:
    """(team MMR, enemy MMR) of ``team_id``, from any owner row of the match."""
    for row in known.participants:
        if row.get("team_mmr") is None or row.get("team_id") is None:
            continue
        if row["team_id"] == team_id:
            return row["team_mmr"], row.get("enemy_mmr")
        return row.get("enemy_mmr"), row["team_mmr"]
    return None, None


def registry_scores(registry: Mapping[str, Any], team_id: Any) -> tuple[Any, Any]:
    if team_id == 0:
        return registry.get("team_0_score"), registry.get("team_1_score")
    if team_id == 1:
        return registry.get("team_1_score"), registry.get("team_0_score")
    return None, None


def event_rows_from_warehouse(known: KnownMatch) -> list[dict[str, Any]]:
    rows = []
    for event in known.events:
        raw = event.get("raw_json")
        if raw is None:
            raw = json.dumps({k: event.get(k) for k in ("xuid", "gamertag", "type_hint")})
        rows.append({"match_id": known.match_id, **event, "raw_json": raw})
    return rows


def rows_from_warehouse(
    known: KnownMatch,
    history_row: Mapping[str, Any],
    owner_xuid: str,
    owner_gamertag: str,
    now: datetime,
) -> MatchRows:
    """The owner's rows of a known match, with no API call."""
    reg = known.registry
    match_id = known.match_id
    mine = known.participant(owner_xuid) or {}
    team_id = history_row.get("LastTeamId", mine.get("team_id"))
    my_score, enemy_score = registry_scores(reg, team_id)
    team_mmr, enemy_mmr = team_mmrs(known, team_id)
    present = history_row.get("PresentAtEndOfMatch")
    mates = sorted(
        p["xuid"]
        for p in known.participants
        if p["xuid"] != owner_xuid and p.get("team_id") == team_id
    )
    info = history_row.get("MatchInfo") or {}
    match_stats: dict[str, Any] = {
        "match_id": match_id,
        "start_time": reg.get("start_time") or timestamp(info.get("StartTime")),
        "end_time": reg.get("end_time") or timestamp(info.get("EndTime")),
        "outcome": history_row.get("Outcome", mine.get("outcome")),
        "team_id": team_id,
        "rank": history_row.get("Rank", mine.get("rank")),
        "kills": mine.get("kills"),
        "deaths": mine.get("deaths"),
        "assists": mine.get("assists"),
        "kda": kda(mine.get("kills"), mine.get("deaths"), mine.get("assists")),
        "accuracy": accuracy(mine.get("shots_hit"), mine.get("shots_fired")),
        "shots_fired": mine.get("shots_fired"),
        "shots_hit": mine.get("shots_hit"),
        "damage_dealt": mine.get("damage_dealt"),
        "damage_taken": mine.get("damage_taken"),
        "avg_life_seconds": mine.get("avg_life_seconds"),
        "personal_score": mine.get("score"),
        "my_team_score": my_score,
        "enemy_team_score": enemy_score,
        "team_mmr": team_mmr,
        "enemy_mmr": enemy_mmr,
        "teammates_signature": ",".join(mates) or None,
        "left_early": None if present is None else not present,
        "backfill_completed": BACKFILL_EVENTS | BACKFILL_PARTICIPANTS | BACKFILL_ALIASES,
        "created_at": now,
        "updated_at": now,
    }
    for column in (
        "playlist_id",
        "playlist_name",
        "map_id",
        "map_name",
        "pair_id",
        "pair_name",
        "game_variant_id",
        "game_variant_name",
        "mode_category",
        "is_ranked",
        "is_firefight",
    ):
        match_stats[column] = reg.get(column)
    for column, key in (
        ("playlist_id", "Playlist"),
        ("map_id", "MapVariant"),
        ("pair_id", "PlaylistMapModePair"),
        ("game_variant_id", "UgcGameVariant"),
    ):
        if match_stats[column] is None and dig(info, key, "AssetId"):
            match_stats[column] = str(dig(info, key, "AssetId")).lower()

    pms = None
    if team_mmr is not None:
        pms = {
            "match_id": match_id,
            "xuid": owner_xuid,
            "team_id": team_id,
            "team_mmr": team_mmr,
            "enemy_mmr": enemy_mmr,
            "created_at": now,
        }
    last_seen = match_stats["end_time"] or match_stats["start_time"]
    aliases = [
        {"xuid": x, "gamertag": g, "last_seen": seen, "source": "warehouse", "updated_at": now}
        for x, (g, seen) in sorted(known.aliases.items())
        if x != owner_xuid
    ]
    aliases.append(
        {
            "xuid": owner_xuid,
            "gamertag": owner_gamertag,
            "last_seen": last_seen,
            "source": "sync",
            "updated_at": now,
        }
    )
    return MatchRows(
        match_id=match_id,
        match_stats=match_stats,
        player_match_stats=pms,
        participants=[{c: p.get(c) for c in PARTICIPANT_COLUMNS} for p in known.participants],
        medals=[],
        events=event_rows_from_warehouse(known),
        aliases=aliases,
    )


def with_personal_stats(from_api: MatchRows, from_warehouse: MatchRows) -> MatchRows:
    """The owner's personal rows from a fresh match-stats response, the shared rows (roster,
    events, aliases) and the team MMRs from the warehouse.

    Used by ``--personal-stats``: one API call fills the owner's medals and personal columns;
    no film and no skill is downloaded.
    """
    stats = dict(from_api.match_stats)
    for column in ("team_mmr", "enemy_mmr"):
        if stats.get(column) is None:
            stats[column] = from_warehouse.match_stats.get(column)
    stats["backfill_completed"] = (stats.get("backfill_completed") or 0) | (
        BACKFILL_EVENTS | BACKFILL_PARTICIPANTS | BACKFILL_MEDALS | BACKFILL_ALIASES
    )
    return MatchRows(
        match_id=from_api.match_id,
        match_stats=stats,
        player_match_stats=from_api.player_match_stats or from_warehouse.player_match_stats,
        participants=from_warehouse.participants or from_api.participants,
        medals=from_api.medals,
        events=from_warehouse.events,
        aliases=from_warehouse.aliases,
    )

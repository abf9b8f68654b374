"""The plan of a demo data set: which matches exist, who played them, who holds which copy.

Everything here is small (one row per match, participant or copy) and drawn from one
seeded ``random.Random``; the bulky parts (highlight events, stats) are derived from it in
DuckDB by :mod:`shared_matches.demo.staging`. Tables are column lists (name -> values).
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared_matches.demo import pools
from shared_matches.demo.players import PlayerSpec

Columns = dict[str, list]

WINDOW_START = datetime(2023, 9, 1)
WINDOW_DAYS = 730
POOL_SIZE = 300
TEAM_SIZES = {"4v4": 4, "btb": 12, "ffa": 0}
PLAYER_COUNTS = {"4v4": 8, "btb": 24, "ffa": 8}
MIN_EVENTS, MAX_EVENTS = 200, 650
RENAMED_XUIDS = 6
INCOMPLETE_FRACTION = 0.10
DUPLICATE_MATCH_FRACTION = 0.03
MIN_APPEND_POOL = 40
# Kills in a match, by format and "is it slayer" (slayer ends at 50 kills, 100 in BTB).
KILL_RANGES = {
    ("4v4", True): (65, 100),
    ("4v4", False): (60, 150),
    ("btb", True): (100, 190),
    ("btb", False): (110, 215),
    ("ffa", True): (60, 130),
    ("ffa", False): (60, 130),
}


@dataclass
class DemoPlan:
    seed: int
    players: list[PlayerSpec]
    matches: Columns = field(default_factory=dict)
    participants: Columns = field(default_factory=dict)
    copies: Columns = field(default_factory=dict)
    alias_overrides: Columns = field(default_factory=dict)
    memberships: dict[str, list[int]] = field(default_factory=dict)

    @property
    def unique_matches(self) -> int:
        return len(self.matches["match_idx"])


def new_match_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def ms_time(value: datetime) -> datetime:
    """Timestamps with millisecond precision, like the API's."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def plan_memberships(
    rng: random.Random, players: list[PlayerSpec], reference_count: int
) -> tuple[int, dict[str, list[int]]]:
    """Match indexes held by each player.

    The reference player holds 0..N-1. Every other player holds about N matches, the
    given fraction of them taken from the reference's; the rest come, in the same order for
    everybody, from one pool of extra matches, so extras overlap as much as possible.
    """
    memberships: dict[str, list[int]] = {}
    extras_needed: dict[str, int] = {}
    for spec in players:
        if spec.is_reference:
            memberships[spec.gamertag] = list(range(reference_count))
            continue
        own_count = max(1, round(reference_count * rng.uniform(0.95, 1.0)))
        shared = min(reference_count, round((spec.overlap or 0.0) * own_count))
        memberships[spec.gamertag] = sorted(rng.sample(range(reference_count), shared))
        extras_needed[spec.gamertag] = own_count - shared
    extra_total = max(extras_needed.values(), default=0)
    extra_pool = list(range(reference_count, reference_count + extra_total))
    for name, count in extras_needed.items():
        memberships[name] += extra_pool[:count]
    return reference_count + extra_total, memberships


def pick_playlist(rng: random.Random, owners: int) -> pools.Playlist:
    choices = [p for p in pools.PLAYLISTS if PLAYER_COUNTS[p.fmt] >= owners] or [
        p for p in pools.PLAYLISTS if p.fmt == "ffa"
    ]
    return rng.choices(choices, weights=[p.weight for p in choices])[0]


def event_counts(rng: random.Random, fmt: str, mode_kind: str, repeats: int) -> tuple[int, ...]:
    """(kills, medals, mode events) for one match, with 200..650 events in all."""
    n_kills = rng.randint(*KILL_RANGES[fmt, mode_kind == "slayer"])
    n_medals = max(repeats + 1, round(n_kills * rng.uniform(0.2, 0.5)))
    n_modes = 0 if mode_kind == "slayer" else round(n_kills * rng.uniform(0.3, 1.0))
    total = 2 * n_kills + n_medals + repeats + n_modes
    target = min(MAX_EVENTS, max(MIN_EVENTS, total))
    if total < target:  # pad short matches with the events their mode has
        pad = target - total + rng.randint(0, 30)
        if mode_kind == "slayer":
            n_medals += pad
        else:
            n_modes += pad
    elif total > target:
        cut = total - target + rng.randint(0, 20)
        n_modes -= min(n_modes, cut)
        cut = 2 * n_kills + n_medals + repeats + n_modes - target
        if cut > 0:
            n_medals -= cut
    return n_kills, n_medals, n_modes


def schedule(rng: random.Random, count: int, start: datetime, days: float) -> list[datetime]:
    """Start times of `count` matches played in evening sessions of 2-8 matches."""
    sessions: list[int] = []
    while sum(sessions) < count:
        sessions.append(min(rng.randint(2, 8), count - sum(sessions)))
    offsets = sorted(rng.uniform(0, days) for _ in sessions)
    starts: list[datetime] = []
    previous_end = start - timedelta(days=1)
    for size, offset in zip(sessions, offsets, strict=True):
        day = start + timedelta(days=int(offset))
        moment = day + timedelta(hours=rng.uniform(16.5, 23.5))
        if moment < previous_end + timedelta(minutes=45):
            moment = previous_end + timedelta(hours=rng.uniform(0.75, 3.0))
        for _ in range(size):
            starts.append(ms_time(moment))
            # the next match starts after this one's longest possible length plus a lobby
            moment += timedelta(seconds=900 + rng.uniform(60, 300))
        previous_end = moment
    return starts


def build_matches(
    rng: random.Random,
    plan: DemoPlan,
    owners_of: list[list[str]],
    start: datetime,
    days: float,
    id_rng: random.Random,
    taken_ids: set[str] | None = None,
) -> None:
    """Fill plan.matches: one row per unique match (ids, assets, times, event counts)."""
    count = len(owners_of)
    order = list(range(count))
    rng.shuffle(order)
    starts = schedule(rng, count, start, days)
    start_of = {idx: starts[pos] for pos, idx in enumerate(order)}
    repeats_at = set(rng.sample(range(count), max(1, round(DUPLICATE_MATCH_FRACTION * count))))
    taken = set(taken_ids or ())
    cols: Columns = defaultdict(list)
    for idx in range(count):
        match_id = new_match_id(id_rng)
        while match_id in taken:
            match_id = new_match_id(id_rng)
        taken.add(match_id)
        playlist = pick_playlist(rng, len(owners_of[idx]))
        variant = rng.choice(playlist.variants)
        map_name = rng.choice(playlist.maps)
        pair_name = f"{variant.name} on {map_name}"
        n_players = max(PLAYER_COUNTS[playlist.fmt], len(owners_of[idx]))
        repeats = rng.randint(1, 2) if idx in repeats_at else 0
        n_kills, n_medals, n_modes = event_counts(rng, playlist.fmt, variant.mode_kind, repeats)
        duration = timedelta(milliseconds=rng.randint(300_000, 900_000))
        mmr = rng.uniform(900, 1700)
        row = {
            "match_idx": idx,
            "match_id": match_id,
            "start_time": start_of[idx],
            "end_time": start_of[idx] + duration,
            "duration_ms": int(duration.total_seconds() * 1000),
            "fmt": playlist.fmt,
            "n_players": n_players,
            "team_size": TEAM_SIZES[playlist.fmt],
            "playlist_id": pools.asset_id("playlist", playlist.name),
            "playlist_name": playlist.name,
            "map_id": pools.asset_id("map", map_name),
            "map_name": map_name,
            "pair_id": pools.asset_id("pair", pair_name),
            "pair_name": pair_name,
            "game_variant_id": pools.asset_id("variant", variant.name),
            "game_variant_name": variant.name,
            "mode_kind": variant.mode_kind,
            "mode_category": variant.mode_category,
            "is_ranked": playlist.is_ranked,
            "n_kills": n_kills,
            "n_medals": n_medals,
            "n_modes": n_modes,
            "n_repeats": repeats,
            "team0_edge": rng.uniform(0.36, 0.64),
            "team0_mmr": round(mmr + rng.uniform(-60, 60), 2),
            "team1_mmr": round(mmr + rng.uniform(-60, 60), 2),
        }
        for key, value in row.items():
            cols[key].append(value)
    plan.matches = dict(cols)


def build_participants(
    rng: random.Random,
    plan: DemoPlan,
    owners_of: list[list[str]],
    pool: list[str],
) -> None:
    """Fill plan.participants (xuid, team, slot; gamertags come later)."""
    xuid_of = {p.gamertag: p.xuid for p in plan.players}
    cols: Columns = defaultdict(list)
    for idx, owners in enumerate(owners_of):
        n_players = plan.matches["n_players"][idx]
        team_size = plan.matches["team_size"][idx]
        owner_xuids = [xuid_of[o] for o in owners]
        others = rng.sample(pool, n_players - len(owner_xuids))
        if team_size:
            friends_team = rng.randint(0, 1)
            humans = owner_xuids + others
            teams = {friends_team: humans[:team_size], 1 - friends_team: humans[team_size:]}
            seats = []
            for team_id in (0, 1):
                members = teams[team_id]
                rng.shuffle(members)
                seats += [(team_id, xuid) for xuid in members]
        else:
            humans = owner_xuids + others
            rng.shuffle(humans)
            seats = list(enumerate(humans))
        for slot, (team_id, xuid) in enumerate(seats):
            cols["match_idx"].append(idx)
            cols["slot"].append(slot)
            cols["xuid"].append(xuid)
            cols["team_id"].append(team_id)
            cols["left_early"].append(rng.random() < 0.025)
    plan.participants = dict(cols)


def build_copies(rng: random.Random, plan: DemoPlan) -> None:
    """Fill plan.copies: one row per (player, match) with that copy's sync times and flags."""
    holders: dict[int, int] = defaultdict(int)
    for idxs in plan.memberships.values():
        for idx in idxs:
            holders[idx] += 1
    end_times = plan.matches["end_time"]
    cols: Columns = defaultdict(list)
    for spec in plan.players:
        idxs = plan.memberships[spec.gamertag]
        no_events: set[int] = set()
        null_stats: set[int] = set()
        if spec.incomplete:
            shared = [i for i in idxs if holders[i] > 1]
            rng.shuffle(shared)
            quota = max(1, round(INCOMPLETE_FRACTION * len(idxs)))
            no_events = set(shared[:quota])
            null_stats = set(shared[quota : 2 * quota])
        for idx in idxs:
            created = end_times[idx] + timedelta(hours=rng.uniform(0.08, spec.max_lag_hours))
            updated = created
            if rng.random() < 0.15 and idx not in no_events and idx not in null_stats:
                updated = created + timedelta(hours=rng.uniform(1, 45 * 24))
            cols["player"].append(spec.gamertag)
            cols["match_idx"].append(idx)
            cols["created_at"].append(ms_time(created))
            cols["updated_at"].append(ms_time(updated))
            cols["no_events"].append(idx in no_events)
            cols["null_stats"].append(idx in null_stats)
    plan.copies = dict(cols)


def last_sightings(plan: DemoPlan) -> dict[str, dict[str, datetime]]:
    """xuid -> player -> end time of the last match of that player's DB showing the xuid."""
    roster: dict[int, list[str]] = defaultdict(list)
    for idx, xuid in zip(plan.participants["match_idx"], plan.participants["xuid"], strict=True):
        roster[idx].append(xuid)
    end_times = plan.matches["end_time"]
    seen: dict[str, dict[str, datetime]] = defaultdict(dict)
    for player, idxs in plan.memberships.items():
        for idx in idxs:
            for xuid in roster[idx]:
                previous = seen[xuid].get(player)
                if previous is None or end_times[idx] > previous:
                    seen[xuid][player] = end_times[idx]
    return seen


def name_participants(
    rng: random.Random, plan: DemoPlan, names: dict[str, str], taken: set[str]
) -> None:
    """Gamertags at match time, with some renamed xuids, and the late gamertag lookup.

    A renamed xuid shows its old name in matches that ended before the rename and its new
    one after; the rename falls between two players' last sightings, so their DBs' aliases
    disagree and the later last_seen holds the newer name. Some renames are seen last by the
    first-migrated player, some by a later one.
    """
    tracked = {p.xuid for p in plan.players}
    order = [p.gamertag for p in plan.players]
    seen = last_sightings(plan)
    candidates = sorted(
        x for x, by in seen.items() if x not in tracked and len(set(by.values())) > 1
    )
    rng.shuffle(candidates)
    first_newest, later_newest = [], []
    for xuid in candidates:
        by = seen[xuid]
        newest = max(by.values())
        (first_newest if by.get(order[0]) == newest else later_newest).append(xuid)
    chosen = first_newest[: RENAMED_XUIDS // 2] + later_newest[: RENAMED_XUIDS // 2]
    rest = [x for x in candidates if x not in chosen]
    chosen += rest[: max(0, RENAMED_XUIDS - len(chosen))]
    rename_at: dict[str, datetime] = {}
    new_names: dict[str, str] = {}
    for xuid in chosen:
        times = sorted(set(seen[xuid].values()))
        rename_at[xuid] = times[-2] + (times[-1] - times[-2]) / 2
        new_names[xuid] = fresh_gamertag(rng, taken)
    end_times = plan.matches["end_time"]
    gamertags = []
    for idx, xuid in zip(plan.participants["match_idx"], plan.participants["xuid"], strict=True):
        if xuid in rename_at and end_times[idx] > rename_at[xuid]:
            gamertags.append(new_names[xuid])
        else:
            gamertags.append(names[xuid])
    plan.participants["gamertag"] = gamertags
    plan.alias_overrides = late_lookups(rng, plan, seen, set(chosen), taken)


def late_lookups(
    rng: random.Random,
    plan: DemoPlan,
    seen: dict[str, dict[str, datetime]],
    renamed: set[str],
    taken: set[str],
) -> Columns:
    """A gamertag change only a late player's profile lookup saw (newest name, latest date)."""
    cols: Columns = defaultdict(list)
    tracked = {p.xuid for p in plan.players}
    last_sync: dict[str, datetime] = {}
    for player, created in zip(plan.copies["player"], plan.copies["created_at"], strict=True):
        last_sync[player] = max(created, last_sync.get(player, created))
    for spec in plan.players:
        if not spec.late_alias or spec.gamertag not in last_sync:
            continue
        candidates = sorted(
            x
            for x, by in seen.items()
            if spec.gamertag in by and len(by) > 1 and x not in tracked and x not in renamed
        )
        if not candidates:
            continue
        xuid = rng.choice(candidates)
        looked_up = max(last_sync[spec.gamertag], max(seen[xuid].values())) + timedelta(days=1)
        cols["player"].append(spec.gamertag)
        cols["xuid"].append(xuid)
        cols["gamertag"].append(fresh_gamertag(rng, taken))
        cols["last_seen"].append(ms_time(looked_up))
        cols["source"].append("profile")
    return dict(cols)


def fresh_gamertag(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = pools.make_gamertag(rng)
        if name.lower() not in taken:
            taken.add(name.lower())
            return name


def make_pool(
    rng: random.Random, size: int, players: list[PlayerSpec]
) -> tuple[list[str], dict[str, str], set[str]]:
    """The stable pool of other players: xuids, their gamertags, and the names in use."""
    taken = {p.gamertag.lower() for p in players}
    used_xuids = {p.xuid for p in players}
    xuids: list[str] = []
    names: dict[str, str] = {p.xuid: p.gamertag for p in players}
    while len(xuids) < size:
        xuid = pools.make_xuid(rng)
        if xuid in used_xuids:
            continue
        used_xuids.add(xuid)
        xuids.append(xuid)
        names[xuid] = fresh_gamertag(rng, taken)
    return xuids, names, taken


def owners_by_match(memberships: dict[str, list[int]], players: list[PlayerSpec], count: int):
    owners: list[list[str]] = [[] for _ in range(count)]
    for spec in players:
        for idx in memberships[spec.gamertag]:
            owners[idx].append(spec.gamertag)
    return owners


def make_plan(players: list[PlayerSpec], reference_count: int, seed: int) -> DemoPlan:
    """The whole demo set: memberships, matches, rosters, copies, aliases."""
    rng = random.Random(seed)
    id_rng = random.Random(f"match-ids/{seed}")
    plan = DemoPlan(seed=seed, players=players)
    pool, names, taken = make_pool(random.Random(f"pool/{seed}"), POOL_SIZE, players)
    unique, plan.memberships = plan_memberships(rng, players, reference_count)
    owners_of = owners_by_match(plan.memberships, players, unique)
    build_matches(rng, plan, owners_of, WINDOW_START, WINDOW_DAYS, id_rng)
    build_participants(rng, plan, owners_of, pool)
    build_copies(rng, plan)
    name_participants(rng, plan, names, taken)
    return plan


def derived_seed(*parts: object) -> int:
    """A stable integer seed from several values (not Python's salted hash())."""
    text = "/".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:7], "big")


def make_append_plan(
    spec: PlayerSpec,
    count: int,
    seed: int,
    after: datetime,
    names: dict[str, str],
    taken_ids: set[str],
) -> DemoPlan:
    """`count` brand-new matches of one player, played after `after`, against known players.

    The other participants are the players already in the DB's aliases (the same gamertags),
    topped up with new ones when the DB knows too few for a 12v12.
    """
    rng = random.Random(seed)
    plan = DemoPlan(seed=seed, players=[spec])
    names = dict(names)
    names[spec.xuid] = spec.gamertag
    pool = sorted(x for x in names if x != spec.xuid)
    if len(pool) < MIN_APPEND_POOL:
        taken = {n.lower() for n in names.values()}
        extra_rng = random.Random(f"pool/{seed}")
        while len(pool) < MIN_APPEND_POOL:
            xuid = pools.make_xuid(extra_rng)
            if xuid not in names:
                names[xuid] = fresh_gamertag(extra_rng, taken)
                pool.append(xuid)
    plan.memberships = {spec.gamertag: list(range(count))}
    owners_of = [[spec.gamertag] for _ in range(count)]
    days = max(1.0, count / 6)
    id_rng = random.Random(f"match-ids/{seed}")
    build_matches(rng, plan, owners_of, after + timedelta(days=1), days, id_rng, taken_ids)
    build_participants(rng, plan, owners_of, pool)
    build_copies(rng, plan)
    plan.participants["gamertag"] = [names[x] for x in plan.participants["xuid"]]
    plan.alias_overrides = {}
    return plan

"""Small realistic pools the demo matches draw from: maps, playlists, variants, medals, names.

Asset ids are stable GUIDs derived from the asset's name (the same in every generated set,
like real Halo asset ids); medal values, names, sorting weights (the film's type hint) and
name ids come from the real medal catalogue.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

_ASSET_NAMESPACE = uuid.UUID("0b91d9c9-819e-4ac2-97bd-e537a4b05b5a")


def asset_id(kind: str, name: str) -> str:
    """A stable lower-case GUID for one named asset."""
    return str(uuid.uuid5(_ASSET_NAMESPACE, f"{kind}/{name}"))


@dataclass(frozen=True)
class Variant:
    name: str
    mode_kind: str  # slayer, ctf, oddball, zones, stockpile
    mode_category: str


@dataclass(frozen=True)
class Playlist:
    name: str
    fmt: str  # 4v4, btb, ffa
    is_ranked: bool
    weight: int
    variants: tuple[Variant, ...]
    maps: tuple[str, ...]


ARENA_MAPS = (
    "Aquarius",
    "Bazaar",
    "Behemoth",
    "Catalyst",
    "Empyrean",
    "Forbidden",
    "Live Fire",
    "Recharge",
    "Streets",
    "Argyle",
    "Cliffhanger",
    "Solitude",
    "Origin",
    "Starboard",
)
BTB_MAPS = ("Deadlock", "Fragmentation", "Highpower", "Breaker", "Command", "Thunderhead")

_SLAYER = Variant("Arena:Slayer", "slayer", "Slayer")
PLAYLISTS = (
    Playlist(
        "Quick Play",
        "4v4",
        False,
        40,
        (
            _SLAYER,
            Variant("Arena:CTF", "ctf", "CTF"),
            Variant("Arena:Oddball", "oddball", "Oddball"),
            Variant("Arena:Strongholds", "zones", "Strongholds"),
            Variant("Arena:King of the Hill", "zones", "King of the Hill"),
        ),
        ARENA_MAPS,
    ),
    Playlist(
        "Ranked Arena",
        "4v4",
        True,
        26,
        (
            Variant("Ranked:Slayer", "slayer", "Slayer"),
            Variant("Ranked:CTF 3 Captures", "ctf", "CTF"),
            Variant("Ranked:Oddball", "oddball", "Oddball"),
            Variant("Ranked:Strongholds", "zones", "Strongholds"),
            Variant("Ranked:King of the Hill", "zones", "King of the Hill"),
        ),
        ("Aquarius", "Live Fire", "Recharge", "Streets", "Empyrean", "Solitude"),
    ),
    Playlist("Team Slayer", "4v4", False, 8, (_SLAYER,), ARENA_MAPS),
    Playlist(
        "Big Team Battle",
        "btb",
        False,
        13,
        (
            Variant("BTB:Slayer", "slayer", "Slayer"),
            Variant("BTB:CTF", "ctf", "CTF"),
            Variant("BTB:Stockpile", "stockpile", "Stockpile"),
            Variant("BTB:Total Control", "zones", "Total Control"),
        ),
        BTB_MAPS,
    ),
    Playlist(
        "Free-for-All",
        "ffa",
        False,
        13,
        (Variant("FFA:Slayer", "slayer", "Slayer"),),
        ARENA_MAPS,
    ),
)

# (film type hint = the medal's sorting weight, medal value in the film, name, catalogue
# name id, how often it shows up). Several name ids exceed the int32 range.
MEDALS: tuple[tuple[int, int, str, int, int], ...] = (
    (100, 0, "Double Kill", 622331684, 16),
    (50, 82, "Back Smack", 548533137, 10),
    (100, 109, "Perfect", 1512363953, 10),
    (50, 71, "Rifleman", 2852571933, 8),
    (50, 65, "Wingman", 1284032216, 7),
    (50, 105, "Reversal", 2123530881, 6),
    (50, 74, "Boxer", 269174970, 6),
    (100, 140, "Shot Caller", 1169571763, 5),
    (100, 9, "Killing Spree", 2780740615, 4),
    (50, 26, "Killjoy", 3233952928, 4),
    (50, 108, "Snipe", 4229934157, 3),
    (50, 98, "Stick", 3655682764, 2),
    (50, 117, "Guardian Angel", 3334154676, 2),
    (150, 1, "Triple Kill", 2063152177, 2),
    (100, 146, "Fumble", 3732790338, 1),
    (150, 103, "Sneak King", 670606868, 1),
    (50, 127, "From the Grave", 2625820422, 1),
    (50, 79, "Marksman", 2758320809, 1),
    (50, 73, "Grenadier", 2648272972, 1),
    (50, 81, "Bodyguard", 555849395, 1),
    (100, 114, "No Scope", 2602963073, 1),
    (51, 178, "Hang Up", 4285712605, 1),
    (52, 179, "Call Blocked", 2964157454, 1),
    (101, 154, "Secure Line", 2426456555, 1),
    (220, 2, "Overkill", 835814121, 1),
    (200, 90, "Ninja", 3085856613, 1),
    (150, 10, "Killing Frenzy", 4261842076, 1),
)

_ADJECTIVES = (
    "Salmon Silent Crimson Frosty Lucky Rapid Sneaky Mighty Brave Cosmic Dark Golden Hyper "
    "Lazy Lunar Noble Primal Quiet Rogue Savage Shadow Solar Stormy Swift Toxic Wild Zen "
    "Iron Neon Ghost Atomic Fuzzy Grim Jolly Mystic Sly Turbo"
).split()
_NOUNS = (
    "Summer Spartan Warrior Meow Falcon Tiger Wolf Panda Viper Raven Knight Ninja Pirate "
    "Wizard Goblin Comet Cobra Badger Moose Otter Phoenix Hornet Titan Mantis Koala Yeti "
    "Lynx Bison Walrus Gecko Jackal Banshee Warthog Pelican Grunt Elite Brute Jackrabbit"
).split()
_FIRST = (
    "Curtis Muller Dr Jay Max Leo Sam Nico Theo Hugo Eli Zoe Mia Ava Liam Noah Emma Lou "
    "Remi Tom Jules Ines Nora Axel Kai Finn Ivy Rose"
).split()


def make_gamertag(rng: random.Random) -> str:
    """One plausible Xbox gamertag (at most 15 characters)."""
    style = rng.random()
    if style < 0.45:
        name = f"{rng.choice(_ADJECTIVES)}{rng.choice(_NOUNS)}{rng.randint(1, 99)}"
    elif style < 0.6:
        name = f"{rng.choice(_NOUNS).upper()}{rng.choice(_NOUNS).upper()}{rng.randint(1, 99)}"
    elif style < 0.75:
        initial = rng.choice("abcdefghijklmnopqrstuvwxyz")
        name = f"{initial}{rng.choice(_FIRST)} X{rng.randint(10, 99)}"
    elif style < 0.88:
        name = f"{rng.choice(_NOUNS)}{rng.choice(_FIRST)}{rng.randint(1000, 9999)}"
    else:
        name = f"xX{rng.choice(_NOUNS)}{rng.choice(_NOUNS)}Xx"
    return name[:15].rstrip()


def make_xuid(rng: random.Random) -> str:
    """A 16-digit xuid like the real ones (older accounts 2533274..., newer 2535...)."""
    if rng.random() < 0.4:
        return f"2533274{rng.randint(0, 10**9 - 1):09d}"
    return f"2535{rng.randint(4 * 10**11, 10**12 - 1):012d}"

"""Bring the warehouse up to date with one player's DB after a sync or an ingest."""

from __future__ import annotations

import time
from collections.abc import Callable

from shared_matches.migrate import migrate_players
from shared_matches.paths import DataDir


def build_player(
    data_dir: DataDir, gamertag: str, say: Callable[[str], None] | None = None
) -> float:
    """Run the player's incremental phase-2 build (phase 1 first if the warehouse is new),
    under the warehouse lock; return the seconds it took."""
    started = time.perf_counter()
    migrate_players(data_dir, [gamertag], say=say or (lambda _line: None))
    return time.perf_counter() - started

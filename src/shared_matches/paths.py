"""Where things live: the project root and the data directory (HALO_DATA_DIR)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEED_ORDER = ("Chocoboflor", "Madina97294", "JGtm", "xxdameongamerxx")
PLAYER_DB_NAME = "stats.duckdb"
WAREHOUSE_NAME = "shared_matches.duckdb"
# The catalog name DuckDB gives the warehouse file; the compat views refer to it.
WAREHOUSE_CATALOG = "shared_matches"


class UserError(Exception):
    """A problem the user can fix; the CLI prints it without a traceback."""


@dataclass(frozen=True)
class DataDir:
    root: Path

    @classmethod
    def from_env(cls, override: str | Path | None = None) -> DataDir:
        raw = override or os.environ.get("HALO_DATA_DIR") or (PROJECT_ROOT / "data")
        return cls(Path(raw).expanduser().resolve())

    @property
    def players_dir(self) -> Path:
        return self.root / "players"

    @property
    def warehouse_dir(self) -> Path:
        return self.root / "warehouse"

    @property
    def warehouse(self) -> Path:
        return self.warehouse_dir / WAREHOUSE_NAME

    @property
    def backups_dir(self) -> Path:
        return self.root / "backups"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    def player_db(self, gamertag: str) -> Path:
        return self.players_dir / gamertag / PLAYER_DB_NAME

    def discover_players(self) -> list[str]:
        """Gamertags with a player DB, in the plan's order (seed order, then alphabetical)."""
        if not self.players_dir.is_dir():
            return []
        found = [p.parent.name for p in self.players_dir.glob(f"*/{PLAYER_DB_NAME}")]
        return order_players(found)

    def require_player(self, gamertag: str) -> Path:
        path = self.player_db(gamertag)
        if not path.is_file():
            known = ", ".join(self.discover_players()) or "none"
            raise UserError(
                f"No player DB for '{gamertag}': {path} does not exist (players found: {known})."
            )
        return path


def order_players(gamertags: list[str]) -> list[str]:
    seeded = [g for g in SEED_ORDER if g in gamertags]
    rest = sorted((g for g in gamertags if g not in SEED_ORDER), key=str.lower)
    return seeded + rest

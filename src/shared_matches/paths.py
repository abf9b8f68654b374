"""Where things live: the project root and the data directory (HALO_DATA_DIR)."""

from __future__ import annotations

import os
import stat
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
        root = Path(raw).expanduser().resolve()
        if "?" in str(root):
            # a player folder may hold a '?' (those files are written without a log), but
            # dbt writes the warehouse with DuckDB's default settings
            raise UserError(
                f"The data dir {root} has a '?' in its path: DuckDB cannot write the warehouse "
                "there (it takes the '?' for a URL query and puts its log elsewhere). Move or "
                "rename the data dir, then run again."
            )
        return cls(root)

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
        return self.players_dir / folder_name(gamertag, "gamertag") / PLAYER_DB_NAME

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

    def player_db_modes(self) -> list[int]:
        """The permission bits of every player DB."""
        modes = []
        for gamertag in self.discover_players():
            try:
                modes.append(file_mode(self.player_db(gamertag)))
            except OSError:
                continue
        return modes

    def protect_warehouse(self) -> None:
        """Make the warehouse (its folder, file and log) no more readable than the least
        readable player DB: it holds their rows. Bits are only ever taken away."""
        modes = self.player_db_modes()
        if not modes:
            return
        allowed = 0o777
        for mode in modes:
            allowed &= mode
        try:
            restrict_mode(self.warehouse_dir, dir_mode(allowed))
            for path in (self.warehouse, self.warehouse.with_name(WAREHOUSE_NAME + ".wal")):
                restrict_mode(path, allowed)
        except PermissionError:  # not this user's files: leave them to their owner
            pass


def folder_name(name: str, what: str) -> str:
    """A name that is one folder of the data dir (a gamertag, a backup id): any text but a
    path separator, NUL, '.' or '..' (which would name another folder)."""
    if not name or name in (".", "..") or "/" in name or "\x00" in name or os.sep in name:
        raise UserError(f"{name!r} is not a valid {what}: it must be a folder name.")
    return name


def file_mode(path: Path) -> int:
    """The permission bits of a file or folder (0o600 ...)."""
    return stat.S_IMODE(path.stat().st_mode)


def dir_mode(mode: int) -> int:
    """The mode of a folder that holds files of this mode: whoever may read or write the
    files may enter the folder (0o600 -> 0o700, 0o640 -> 0o750)."""
    mode &= 0o777
    for shift in (6, 3, 0):  # owner, group, others
        if mode & (0o6 << shift):  # read or write
            mode |= 0o1 << shift  # search
    return mode


def restrict_mode(path: Path, allowed: int) -> None:
    """Take away from a file or folder every permission bit not in ``allowed`` (no-op when it
    does not exist or has none of them)."""
    try:
        current = file_mode(path)
    except FileNotFoundError:
        return
    if current & ~allowed:
        os.chmod(path, current & allowed)


def make_dir(path: Path, mode: int) -> None:
    """Create a folder (and its missing parents) with at most this mode; an existing folder
    loses the bits that are not in it."""
    missing = []
    here = path
    while not here.exists():
        missing.append(here)
        here = here.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=mode)
        except FileExistsError:
            pass
        os.chmod(folder, file_mode(folder) & mode)
    restrict_mode(path, mode)


def order_players(gamertags: list[str]) -> list[str]:
    seeded = [g for g in SEED_ORDER if g in gamertags]
    rest = sorted((g for g in gamertags if g not in SEED_ORDER), key=str.lower)
    return seeded + rest

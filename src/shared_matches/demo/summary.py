"""What a demo-data run wrote, measured from the files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PlayerSummary:
    gamertag: str
    xuid: str
    path: Path
    legacy: bool
    matches: int
    participants: int
    events: int
    medals: int
    aliases: int
    size_bytes: int


@dataclass(frozen=True)
class DemoSummary:
    players_dir: Path
    seed: int
    unique_matches: int
    players: list[PlayerSummary]
    seconds: float

    @property
    def copies(self) -> int:
        return sum(p.matches for p in self.players)

    @property
    def participants(self) -> int:
        return sum(p.participants for p in self.players)

    @property
    def events(self) -> int:
        return sum(p.events for p in self.players)

    @property
    def size_bytes(self) -> int:
        return sum(p.size_bytes for p in self.players)

    def format(self) -> str:
        header = (
            f"{'player':<18} {'xuid':<16}  {'layout':<6} {'matches':>8} "
            f"{'participants':>12} {'events':>10} {'medals':>7} {'aliases':>7} {'size':>9}"
        )
        lines = [
            f"Demo data in {self.players_dir} (seed {self.seed}, {self.seconds:.1f} s)",
            header,
            "-" * len(header),
        ]
        for p in self.players:
            lines.append(
                f"{p.gamertag:<18} {p.xuid:<16}  {'older' if p.legacy else 'v4':<6} "
                f"{p.matches:>8} {p.participants:>12} {p.events:>10} {p.medals:>7} "
                f"{p.aliases:>7} {mebibytes(p.size_bytes):>9}"
            )
        lines.append("-" * len(header))
        lines.append(
            f"{'all players':<18} {'':<16}  {'':<6} {self.copies:>8} {self.participants:>12} "
            f"{self.events:>10} {sum(p.medals for p in self.players):>7} "
            f"{sum(p.aliases for p in self.players):>7} {mebibytes(self.size_bytes):>9}"
        )
        lines.append(
            f"unique matches: {self.unique_matches}, copies: {self.copies} "
            f"({self.copies / max(1, self.unique_matches):.2f} per match)"
        )
        return "\n".join(lines)


def mebibytes(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"

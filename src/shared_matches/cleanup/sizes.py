"""Disk space before and after cleanup: each player DB, and the totals.

"Before" is a player DB as it was before its cleanup: the size of its pre-cleanup backup
(for a player not cleaned yet, its current file). "After" is the current file. The totals
compare all v4 DBs before with the warehouse, the read layer (the Parquet files the views
read) and the cleaned DBs after (backups are not counted: they can be moved elsewhere or
deleted once the cleanup is trusted).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from shared_matches.cleanup.backup import KIND_PRE_CLEANUP, list_backups
from shared_matches.cleanup.state import inspect_player_db
from shared_matches.duckdb_files import file_size
from shared_matches.paths import DataDir, UserError
from shared_matches.read_layer import layer_state


def format_size(size: int | float) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


@dataclass
class PlayerSize:
    player: str
    state: str
    before_bytes: int
    after_bytes: int


@dataclass
class SizeReport:
    players: list[PlayerSize] = field(default_factory=list)
    warehouse_bytes: int = 0
    read_layer_bytes: int = 0

    @property
    def total_before(self) -> int:
        return sum(p.before_bytes for p in self.players)

    @property
    def total_after(self) -> int:
        return (
            self.warehouse_bytes + self.read_layer_bytes + sum(p.after_bytes for p in self.players)
        )

    @property
    def change(self) -> float:
        return (
            (self.total_after - self.total_before) / self.total_before if self.total_before else 0
        )

    def to_json(self) -> dict:
        return {
            "players": [asdict(p) for p in self.players],
            "warehouse_bytes": self.warehouse_bytes,
            "read_layer_bytes": self.read_layer_bytes,
            "total_before_bytes": self.total_before,
            "total_after_bytes": self.total_after,
            "change": round(self.change, 4),
        }

    def to_text(self) -> str:
        lines = [
            "| player | state | before | after | change |",
            "|---|---|---:|---:|---:|",
        ]
        for p in self.players:
            delta = (p.after_bytes - p.before_bytes) / p.before_bytes if p.before_bytes else 0
            lines.append(
                f"| {p.player} | {p.state} | {format_size(p.before_bytes)} | "
                f"{format_size(p.after_bytes)} | {delta:+.0%} |"
            )
        lines.append(f"| (warehouse) | | | {format_size(self.warehouse_bytes)} | |")
        lines.append(f"| (read layer) | | | {format_size(self.read_layer_bytes)} | |")
        lines.append(
            f"| **total** | | {format_size(self.total_before)} | "
            f"{format_size(self.total_after)} | {self.change:+.0%} |"
        )
        return "\n".join(lines)


def size_report(data_dir: DataDir) -> SizeReport:
    layer = layer_state(data_dir)
    report = SizeReport(
        warehouse_bytes=file_size(data_dir.warehouse), read_layer_bytes=layer.size_bytes
    )
    for player in data_dir.discover_players():
        path = data_dir.player_db(player)
        try:
            state = inspect_player_db(path).state
        except UserError:
            state = "unexpected"
        now = file_size(path)
        backups = list_backups(data_dir, player, KIND_PRE_CLEANUP)
        before = backups[-1].size_bytes if backups and state != "original" else now
        report.players.append(PlayerSize(player, state, before, now))
    return report


def write_size_report(data_dir: DataDir) -> SizeReport:
    """Compute the report and write it to reports/cleanup_sizes.{json,md}."""
    report = size_report(data_dir)
    data_dir.reports_dir.mkdir(parents=True, exist_ok=True)
    (data_dir.reports_dir / "cleanup_sizes.json").write_text(
        json.dumps(report.to_json(), indent=2) + "\n"
    )
    (data_dir.reports_dir / "cleanup_sizes.md").write_text(
        "# Disk space before and after cleanup\n\n" + report.to_text() + "\n"
    )
    return report

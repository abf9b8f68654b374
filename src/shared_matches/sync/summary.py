"""What a sync did: matches new/known/skipped, API calls by endpoint, calls saved."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# What one match costs a sync that ignores the warehouse: stats, skill, film manifest + chunk.
FULL_MATCH_ENDPOINTS = ("match_stats", "match_skill", "film_manifest", "film_chunk")
FILM_ENDPOINTS = ("film_manifest", "film_chunk")


@dataclass
class SyncSummary:
    gamertag: str
    xuid: str = ""
    history_rows: int = 0
    stopped_at: str | None = None
    new: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    no_film: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    calls_for_known: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    waited_seconds: float = 0.0
    build_seconds: float | None = None
    # of which the read layer's publish (the Parquet files of the merged matches)
    publish_seconds: float | None = None
    # after the API calls of a batch end, until the warehouse and the player DB are updated:
    # the phase-3 build plus the player's rows (what the user waits for beyond the network)
    merge_seconds: float | None = None
    error: str | None = None

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def film_calls_for_known(self) -> int:
        return sum(self.calls_for_known[e] for e in FILM_ENDPOINTS)

    @property
    def calls_saved(self) -> int:
        """Calls a sync ignoring the warehouse would have made for the known matches, minus
        the calls these matches still cost (an estimate: it leaves out asset look-ups)."""
        full_cost = len(FULL_MATCH_ENDPOINTS) * len(self.known)
        return full_cost - sum(self.calls_for_known.values())

    def format(self) -> str:
        stop = f", stopped at {self.stopped_at} (already synced)" if self.stopped_at else ""
        lines = [
            f"sync {self.gamertag} (xuid {self.xuid}): {self.history_rows} history rows read"
            + stop,
            f"matches: {len(self.new)} new (fetched in full), {len(self.known)} known "
            f"(filled from the warehouse), {len(self.skipped)} skipped",
            f"API calls: {self.total_calls} ({_by_endpoint(self.calls)})",
        ]
        if self.retries:
            lines.append(
                f"retried: {_by_endpoint(self.retries)}; waited {self.waited_seconds:.1f} s"
            )
        if self.known:
            known_calls = sum(self.calls_for_known.values())
            baseline = self.total_calls + self.calls_saved
            share = 100.0 * self.calls_saved / baseline if baseline else 0.0
            lines.append(
                f"known matches: {known_calls} calls ({self.film_calls_for_known} film); "
                f"calls saved versus a sync that ignores the warehouse: {self.calls_saved} "
                f"of ~{baseline} ({share:.0f}%; {len(FULL_MATCH_ENDPOINTS)} per known match: "
                "stats, skill, film manifest, film chunk)"
            )
        for match_id, reason in self.skipped:
            lines.append(f"skipped {match_id}: {reason}")
        for match_id, reason in self.no_film:
            lines.append(f"no events for {match_id}: {reason}")
        lines.extend(self.notes)
        if self.build_seconds is not None:
            lines.append(f"warehouse updated for {self.gamertag} in {self.build_seconds:.1f} s")
        if self.error:
            lines.append(f"stopped early: {self.error}")
        return "\n".join(lines)


def _by_endpoint(counts: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"

"""Where a migration's time goes, from the run_results.json of each dbt call."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CallProfile:
    player: str | None
    command: str
    wall_seconds: float
    dbt_elapsed: float  # what dbt reports for its execution phase (after start-up and parse)
    models_seconds: float
    tests_seconds: float


@dataclass(frozen=True)
class NodeTime:
    unique_id: str
    total_seconds: float
    max_seconds: float
    calls: int

    @property
    def name(self) -> str:
        return self.unique_id.split(".", 2)[-1]


def load(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())


def call_profiles(calls: list[dict]) -> list[CallProfile]:
    profiles = []
    for call in calls:
        results = load(call["run_results"])
        by_kind: dict[str, float] = defaultdict(float)
        for node in results["results"]:
            kind = "model" if node["unique_id"].startswith("model.") else "test"
            by_kind[kind] += node["execution_time"]
        profiles.append(
            CallProfile(
                player=call["player"],
                command=" ".join(call["args"][:3]),
                wall_seconds=call["seconds"],
                dbt_elapsed=results.get("elapsed_time", 0.0),
                models_seconds=by_kind["model"],
                tests_seconds=by_kind["test"],
            )
        )
    return profiles


def slowest_nodes(calls: list[dict], limit: int = 10) -> list[NodeTime]:
    """Models and tests by total execution time over the player calls."""
    totals: dict[str, list[float]] = defaultdict(list)
    for call in calls:
        if call["player"] is None:
            continue
        for node in load(call["run_results"])["results"]:
            totals[node["unique_id"]].append(node["execution_time"])
    nodes = [NodeTime(uid, sum(ts), max(ts), len(ts)) for uid, ts in totals.items()]
    return sorted(nodes, key=lambda n: n.total_seconds, reverse=True)[:limit]

"""A dbt-duckdb plugin: create the warehouse's folder before dbt opens the file.

DuckDB does not create parent directories, so plain `dbt build --selector phase1` on a fresh
data dir would fail with "Cannot open file .../warehouse/shared_matches.duckdb". profiles.yml
names this module in the warehouse target's `plugins`; dbt-duckdb initialises it before it
connects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        path = getattr(self.creds, "path", None)
        if path and path != ":memory:" and "://" not in str(path):
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)

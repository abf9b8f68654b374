"""A dbt-duckdb plugin: create the warehouse's folder, and the file itself with its block
size, before dbt opens it.

DuckDB does not create parent directories, so plain `dbt build --selector phase1` on a fresh
data dir would fail with "Cannot open file .../warehouse/shared_matches.duckdb". profiles.yml
names this module in the warehouse target's `plugins`; dbt-duckdb initialises it before it
connects.

The warehouse is written in WAREHOUSE_BLOCK_SIZE blocks. A DuckDB checkpoint writes the tail
of every table a commit changed into new blocks; with DuckDB's default 256 KiB blocks, a
sync that merges one match grew the demo warehouse by 1.4-1.6x over its compacted size after
20 syncs (the freed blocks of one checkpoint are too big for the next one's small writes);
with 16 KiB blocks, 1.05x, for a file 3-8% larger at the start (docs/benchmarks.md). The block
size is fixed when a file is created; a warehouse created before keeps its own. So is the
storage version: the warehouse gets the project's (duckdb_files.new_file_storage_version), one
the app's DuckDB 1.4.x/1.5.x opens; an existing warehouse keeps its version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from shared_matches.duckdb_files import create_file
from shared_matches.paths import UserError

WAREHOUSE_BLOCK_SIZE = 16_384


def create_warehouse_file(path: Path) -> None:
    """Create an empty DuckDB file in WAREHOUSE_BLOCK_SIZE blocks and the project's storage
    version (the folder too)."""
    create_file(path, block_size=WAREHOUSE_BLOCK_SIZE)


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        path = getattr(self.creds, "path", None)
        if path and path != ":memory:" and "://" not in str(path):
            target = Path(path).expanduser()
            if not target.exists():
                try:
                    create_warehouse_file(target)
                except UserError as exc:
                    # dbt-duckdb reports a plugin's RuntimeError as a one-line connection
                    # error; any other exception comes with pages of traceback
                    raise RuntimeError(str(exc)) from exc

"""Public names of the assets a match refers to (playlist, map, map-mode pair, game variant).

An asset version never changes, so each (kind, asset id, version id) is fetched once and kept
in a small JSON file under the data directory, shared by every player's sync.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from shared_matches.paths import DataDir
from shared_matches.sync.transform import AssetRef

CACHE_FILE = Path("cache") / "halo_asset_names.json"


def cache_path(data_dir: DataDir) -> Path:
    return data_dir.root / CACHE_FILE


class AssetNameCache:
    """(kind, asset id, version id) -> public name; None records an asset the API lacks."""

    def __init__(self, path: Path | None, names: dict[str, str | None] | None = None) -> None:
        self.path = path
        self._names: dict[str, str | None] = dict(names or {})
        self._dirty = False

    @classmethod
    def load(cls, path: Path | None) -> AssetNameCache:
        if path is None or not path.is_file():
            return cls(path)
        try:
            names = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            names = {}  # a damaged cache is only a cache: start again
        return cls(path, names if isinstance(names, dict) else {})

    @staticmethod
    def key(ref: AssetRef) -> str:
        return f"{ref.kind}/{ref.asset_id}/{ref.version_id}"

    def __contains__(self, ref: AssetRef) -> bool:
        return self.key(ref) in self._names

    def __len__(self) -> int:
        return len(self._names)

    def get(self, ref: AssetRef) -> str | None:
        return self._names.get(self.key(ref))

    def get_any_version(self, ref: AssetRef) -> str | None:
        """The name of any cached version of the asset (used for recorded files only)."""
        exact = self.get(ref)
        if exact is not None:
            return exact
        prefix = f"{ref.kind}/{ref.asset_id}/"
        for key, name in sorted(self._names.items()):
            if key.startswith(prefix) and name is not None:
                return name
        return None

    def put(self, ref: AssetRef, name: str | None) -> None:
        self._names[self.key(ref)] = name
        self._dirty = True

    def save(self) -> None:
        """Write the cache atomically (temp file + rename) when it changed."""
        if self.path is None or not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".assets-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self._names, handle, indent=0, sort_keys=True)
        os.replace(tmp, self.path)
        self._dirty = False

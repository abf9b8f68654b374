"""The dbt seeds the halo_api staging models join, generated from spnkr's reference data.

``seeds/game_variant_categories.csv``: every ``spnkr.models.refdata.GameVariantCategory``
with its mode category (the enum name, lower case, without the ``MULTIPLAYER_`` prefix: 18
-> ``oddball``). Regenerate it with ``python scripts/generate_seeds.py`` after a spnkr
upgrade; a test fails while it differs from the installed spnkr.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from spnkr.models.refdata import GameVariantCategory

from shared_matches.paths import PROJECT_ROOT

GAME_VARIANT_CATEGORIES = PROJECT_ROOT / "seeds" / "game_variant_categories.csv"
HEADER = ("game_variant_category", "enum_name", "mode_category")
MULTIPLAYER_PREFIX = "MULTIPLAYER_"


def game_variant_category_rows() -> list[tuple[int, str, str]]:
    return [
        (int(c), c.name, c.name.removeprefix(MULTIPLAYER_PREFIX).lower())
        for c in sorted(GameVariantCategory, key=int)
    ]


def game_variant_categories_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(game_variant_category_rows())
    return out.getvalue()


def write_seeds(path: Path = GAME_VARIANT_CATEGORIES) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(game_variant_categories_csv(), encoding="utf-8")
    return path

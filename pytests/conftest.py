"""Session fixtures: a small demo set generated once, and migrated once (real DuckDB, real dbt);
the recorded API responses landed once."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from helpers import SMALL_MATCHES, copy_players, quiet
from shared_matches.migrate import migrate_players
from shared_matches.paths import DataDir
from shared_matches.testing.fake_halo_api import fixtures_dir

if TYPE_CHECKING:
    from landing_helpers import Landed


def pytest_configure(config: pytest.Config) -> None:
    """Stop in one line, before any test module is imported, when the recorded Halo API
    responses are missing (they are read from ../shared, never copied into the project)."""
    try:
        fixtures_dir()
    except FileNotFoundError as missing:
        pytest.exit(f"{missing} (CI puts ../shared beside the project)", returncode=2)


@pytest.fixture(scope="session")
def small_players_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Player DBs of a small demo set (never migrated: copy it before use)."""
    from shared_matches.demo.generate import generate_demo_data

    root = tmp_path_factory.mktemp("demo_players")
    generate_demo_data(DataDir(root), matches=SMALL_MATCHES, progress=False)
    return root / "players"


@pytest.fixture(scope="session")
def migrated(small_players_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> DataDir:
    """The small demo set migrated in the plan's order. Tests must not write to it."""
    data_dir = copy_players(small_players_dir, tmp_path_factory.mktemp("migrated"))
    migrate_players(data_dir, say=quiet)
    return data_dir


@pytest.fixture(scope="session")
def landed(tmp_path_factory: pytest.TempPathFactory) -> Landed:
    """Every recorded fixture (and the edge cases) landed, the seed loaded, the halo_api
    staging models compiled by dbt. Tests must not write to it."""
    from landing_helpers import build_landed

    return build_landed(tmp_path_factory.mktemp("landed"))

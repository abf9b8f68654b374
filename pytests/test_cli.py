"""CLI conventions: a one-line description per command, --data-dir before or after the
command, --version, exit codes in --help; plain `dbt build --selector phase1` on a fresh data
dir."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared_matches import __version__
from shared_matches.cli import build_parser
from shared_matches.cli import main as cli_main
from shared_matches.cli_support import subcommand_helps
from shared_matches.docs import LINEAGE_PAGE, docs_dir, docs_up_to_date
from shared_matches.paths import PROJECT_ROOT, DataDir
from shared_matches.player_db import match_ids
from shared_matches.warehouse import registry_match_ids


def subparsers():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return parser, action


def test_every_command_has_a_one_line_description() -> None:
    parser, action = subparsers()
    helps = subcommand_helps(action)
    assert {"status", "migrate", "report", "docs", "cleanup", "sync"} <= set(helps)
    for name, text in helps.items():
        assert text and "\n" not in text and len(text) <= 100, name
        sub = action.choices[name]
        assert sub.description, f"{name} --help has no description"
        assert "exit codes" in (sub.epilog or ""), name
    top = parser.format_help()
    assert all(name in top for name in helps)
    assert "exit codes: 0 ok; 2 user error" in top and "1 failure" in top


def test_data_dir_before_or_after_the_command(tmp_path: Path) -> None:
    parser = build_parser()
    before = parser.parse_args(["--data-dir", str(tmp_path), "status"])
    after = parser.parse_args(["status", "--data-dir", str(tmp_path)])
    assert before.data_dir == after.data_dir == str(tmp_path)
    assert parser.parse_args(["status"]).data_dir is None
    both = parser.parse_args(["--data-dir", "a", "report", "--data-dir", str(tmp_path)])
    assert both.data_dir == str(tmp_path)  # the one given last wins


def test_version_and_a_user_error_exit_code(capsys, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli_main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"shared-matches {__version__}"
    with pytest.raises(SystemExit) as stopped:
        cli_main(["status", "--no-such-option"])
    assert stopped.value.code == 2
    assert cli_main(["migrate", "--players", "Nobody", "--data-dir", str(tmp_path)]) == 2
    assert "No player DB for 'Nobody'" in capsys.readouterr().err


def test_plain_dbt_phase1_builds_on_a_fresh_data_dir(tmp_path: Path) -> None:
    """The README's `dbt build --selector phase1`, with nothing but HALO_DATA_DIR set: the
    warehouse folder is created (dbt-duckdb plugin shared_matches.warehouse_dir)."""
    fresh = tmp_path / "fresh"
    env = {
        **os.environ,
        "HALO_DATA_DIR": str(fresh),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT / "profiles"),
        "DBT_PROJECT_DIR": str(PROJECT_ROOT),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [str(dbt), "build", "--selector", "phase1", "--quiet"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert (fresh / "warehouse" / "shared_matches.duckdb").is_file()


def test_migrate_on_an_empty_data_dir_writes_the_demo_set_then_migrates_it(
    capsys, tmp_path: Path
) -> None:
    """`make migrate` on a fresh clone: no player DB, so --demo-if-empty writes the demo set
    first; every unique match of it ends in the warehouse. Run again, it has nothing to do
    and leaves the lineage page as it was."""
    data_dir = DataDir(tmp_path / "data")
    argv = ["migrate", "--demo-if-empty", "--docs", "--data-dir", str(data_dir.root)]
    code = cli_main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "generating the demo data set first" in out
    players = data_dir.discover_players()
    assert len(players) == 4
    unique = set().union(*(match_ids(data_dir.player_db(g)) for g in players))
    assert registry_match_ids(data_dir.warehouse) == unique
    # `make migrate` again: nothing to do, the lineage page is not built again
    page = docs_dir(data_dir) / LINEAGE_PAGE
    built = page.stat().st_mtime_ns
    assert docs_up_to_date(data_dir)
    assert cli_main(argv) == 0
    assert f"Lineage docs: {page} (up to date)" in capsys.readouterr().out
    assert page.stat().st_mtime_ns == built
    # a warehouse newer than the page (a merge since) makes it stale
    os.utime(page, ns=(built, data_dir.warehouse.stat().st_mtime_ns - 10**9))
    assert not docs_up_to_date(data_dir)

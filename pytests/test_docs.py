"""Lineage docs: every resource is described, the project has an overview page, no model reads
a table by name (every read is an edge of the graph), and the static page renders
match_registry's lineage graph offline in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import duckdb
import pytest

from shared_matches.cli import main as cli_main
from shared_matches.dbt_session import DbtSession, dbt_target_dir
from shared_matches.docs import LINEAGE_PAGE, docs_dir, generate_docs, lineage_url
from shared_matches.paths import DataDir

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,900",
    "--virtual-time-budget=15000",
]
DESCRIBED_TYPES = {"model", "seed", "snapshot"}
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs /usr/bin/chromium (scripts/ensure_chromium.sh)"
)


def quiet(_: str) -> None:
    """A progress sink for tests."""


@pytest.fixture(scope="session")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    data_dir = DataDir(tmp_path_factory.mktemp("docs_parse"))
    DbtSession(data_dir).manifest()  # `dbt parse`, which writes manifest.json
    return json.loads((dbt_target_dir(data_dir) / "manifest.json").read_text())


@pytest.fixture(scope="session")
def lineage_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lineage page of a data dir whose warehouse exists (empty DuckDB file)."""
    data_dir = DataDir(tmp_path_factory.mktemp("docs_data"))
    data_dir.warehouse_dir.mkdir(parents=True)
    duckdb.connect(str(data_dir.warehouse)).close()
    return generate_docs(data_dir, say=quiet)


def missing_descriptions(manifest: dict) -> list[str]:
    """Every model, seed, snapshot, source and column of this project without a description."""
    resources = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] in DESCRIBED_TYPES and node["package_name"] == "shared_matches"
    ] + [s for s in manifest["sources"].values() if s["package_name"] == "shared_matches"]
    missing = []
    for resource in resources:
        if not resource.get("description", "").strip():
            missing.append(resource["unique_id"])
        missing += [
            f"{resource['unique_id']}.{name}"
            for name, column in resource.get("columns", {}).items()
            if not column.get("description", "").strip()
        ]
    return missing


def chromium(url: str, *args: str, user_data: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={user_data}", *args, url],
        capture_output=True,
        text=True,
        timeout=180,
    )


def png_pixels(path: Path) -> list[tuple[int, ...]]:
    """Decode an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes) into pixels."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour_type in (2, 6) and interlace == 0
    channels = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(idat), width * channels
    previous, pixels = bytearray(stride), []
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, up_left = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                line[i] = (line[i] + pred) & 0xFF
        pixels += [tuple(line[i : i + 3]) for i in range(0, stride, channels)]
        previous = line
    return pixels


def test_every_model_source_and_column_has_a_description(manifest: dict) -> None:
    assert any(n["resource_type"] == "model" for n in manifest["nodes"].values())
    assert manifest["sources"]
    missing = missing_descriptions(manifest)
    assert not missing, "without a description:\n" + "\n".join(missing)


def test_missing_descriptions_are_found(manifest: dict) -> None:
    altered = json.loads(json.dumps(manifest))
    registry = altered["nodes"]["model.shared_matches.match_registry"]
    registry["columns"]["player_count"]["description"] = " "
    source = next(iter(altered["sources"].values()))
    source["description"] = ""
    assert set(missing_descriptions(altered)) == {
        "model.shared_matches.match_registry.player_count",
        source["unique_id"],
    }


def test_the_overview_page_names_the_phases_and_how_to_run_each_checklist(manifest: dict) -> None:
    overview = manifest["docs"]["doc.shared_matches.__overview__"]["block_contents"]
    for needed in (
        "dbt build --selector phase1",
        "dbt build --selector checklist_phase2 --vars '{player: ",
        "dbt build --selector phase3 --vars '{landing: true}'",
        "shared-matches cleanup --verify --player",
        "warehouse",
    ):
        assert needed in overview, needed


def test_models_upstream_of_the_shared_tables_read_them_through_the_warehouse_source(
    manifest: dict,
) -> None:
    """No model reads a table by name: the graph reviewers read is the graph that runs."""
    models = {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["package_name"] == "shared_matches"
    }
    path = {name: n["original_file_path"] for name, n in models.items()}
    shared = {name for name in models if path[name].startswith("models/shared/")}
    upstream = {
        name
        for name in models
        if path[name].startswith(("models/staging/", "models/intermediate/"))
    }
    assert shared and upstream
    for name, node in models.items():
        assert "shared_table_by_name" not in node["raw_code"], name
        assert "depends_on:" not in node["raw_code"], f"{name} forces an order by comment"
        if name not in upstream:
            continue
        for parent in node["depends_on"]["nodes"]:
            parent_name = parent.rsplit(".", 1)[1]
            assert not (parent.startswith("model.") and parent_name in shared), (
                f"{name} reads the shared model {parent_name}: upstream models read the "
                "warehouse source"
            )
    changed = models["int_matches_changed"]["depends_on"]["nodes"]
    assert "source.shared_matches.warehouse.match_players" in changed


def test_docs_command_writes_the_static_page(tmp_path: Path, capsys) -> None:
    data_dir = DataDir(tmp_path)  # no warehouse yet: built with an empty catalog
    assert cli_main(["--data-dir", str(tmp_path), "docs"]) == 0
    page = docs_dir(data_dir) / LINEAGE_PAGE
    assert str(page) in capsys.readouterr().out
    text = page.read_text()
    assert "model.shared_matches.match_registry" in text and "<html" in text.lower()
    assert not data_dir.warehouse.exists()  # no empty warehouse left behind


@needs_chromium
def test_lineage_graph_screenshot_is_not_blank(lineage_page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "lineage.png"
    result = chromium(
        lineage_url(lineage_page),
        f"--screenshot={shot}",
        "--force-device-scale-factor=0.5",  # a 700x450 picture: quick to decode
        user_data=tmp_path / "profile",
    )
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    keep = Path(lineage_page).with_suffix(".png")  # left beside the page for a person to look
    shutil.copyfile(shot, keep)
    pixels = png_pixels(shot)
    colours = set(pixels)
    not_white = sum(1 for p in pixels if min(p) < 245) / len(pixels)
    dark = sum(1 for p in pixels if sum(p) < 3 * 128) / len(pixels)
    assert len(colours) > 50, f"{len(colours)} colours: the page looks blank"
    assert not_white > 0.5
    assert dark > 0.4, "the lineage graph (dark overlay) is not open"


@needs_chromium
def test_lineage_dom_shows_match_registry_upstream(
    lineage_page: Path, manifest: dict, tmp_path: Path
) -> None:
    result = chromium(lineage_url(lineage_page), "--dump-dom", user_data=tmp_path / "profile")
    assert result.returncode == 0, result.stderr[-2000:]
    dom = re.sub(r"<script.*?</script>", "", result.stdout, flags=re.DOTALL)
    assert "Lineage Graph" in dom and "<canvas" in dom
    parents = manifest["nodes"]["model.shared_matches.match_registry"]["depends_on"]["nodes"]
    assert parents
    for parent in parents:  # the "Depends On" links, carrying the lineage-graph state
        name = parent.rsplit(".", 1)[1]
        link = f'href="#!/model/{parent}?g_v=1&amp;g_i=%2Bmatch_registry">{name}</a>'
        assert link in dom, f"{name} is not shown upstream of match_registry"

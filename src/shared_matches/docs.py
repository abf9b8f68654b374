"""`shared-matches docs`: the lineage docs as one static page, $HALO_DATA_DIR/docs/lineage.html.

`dbt docs generate --static` writes a self-contained `static_index.html` (manifest and
catalog inlined, no server, no network) into dbt's target dir; it is copied to the data dir.
The catalog (column types as built) is read from the warehouse, under the warehouse lock;
without a warehouse yet, the page is built with an empty catalog from a scratch dir, so no
empty warehouse file is left behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from shared_matches.dbt_session import DbtSession, dbt_target_dir
from shared_matches.locking import LOCK_TIMEOUT, warehouse_lock
from shared_matches.paths import DataDir, UserError
from shared_matches.project import project_files

STATIC_PAGE = "static_index.html"
LINEAGE_PAGE = "lineage.html"
# The dbt docs address of a model's page, and the view of its upstream lineage graph.
MODEL_FRAGMENT = "#!/model/model.shared_matches.{model}"
LINEAGE_FRAGMENT = MODEL_FRAGMENT + "?g_v=1&g_i=%2B{model}"


def docs_dir(data_dir: DataDir) -> Path:
    return data_dir.root / "docs"


def lineage_url(page: Path, model: str = "match_registry") -> str:
    """file:// address that opens `page` at the upstream lineage graph of `model`."""
    return page.resolve().as_uri() + LINEAGE_FRAGMENT.format(model=model)


def build_static_page(session: DbtSession, extra_args: list[str]) -> Path:
    session.run(["docs", "generate", "--static", *extra_args])
    page = dbt_target_dir(session.data_dir) / STATIC_PAGE
    if not page.is_file():
        raise UserError(f"dbt docs generate --static ran but wrote no {page}.")
    return page


def copy_page(page: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    shutil.copyfile(page, partial)
    os.replace(partial, destination)


def docs_up_to_date(data_dir: DataDir) -> bool:
    """True when the lineage page is newer than the warehouse and every project file it is
    built from: a migrate run that changed nothing need not build it again."""
    page = docs_dir(data_dir) / LINEAGE_PAGE
    if not page.is_file() or not data_dir.warehouse.is_file():
        return False
    built = page.stat().st_mtime_ns
    sources = [data_dir.warehouse, *project_files()]
    return all(p.stat().st_mtime_ns <= built for p in sources if p.exists())


def generate_docs(
    data_dir: DataDir,
    say: Callable[[str], None] = print,
    lock_timeout: float = LOCK_TIMEOUT,
    session: DbtSession | None = None,
) -> Path:
    """Write $HALO_DATA_DIR/docs/lineage.html and return its path."""
    destination = docs_dir(data_dir) / LINEAGE_PAGE
    if data_dir.warehouse.is_file():
        with warehouse_lock(data_dir, "docs", timeout=lock_timeout):
            page = build_static_page(session or DbtSession(data_dir), [])
            copy_page(page, destination)
    else:
        say(f"No warehouse yet at {data_dir.warehouse}: the docs are built with an empty catalog.")
        with tempfile.TemporaryDirectory(prefix="lineage-docs-") as scratch_root:
            scratch = DataDir(Path(scratch_root))
            scratch.warehouse_dir.mkdir(parents=True)
            copy_page(build_static_page(DbtSession(scratch), ["--empty-catalog"]), destination)
    say(f"Lineage docs: {destination}")
    say(f"  match_registry lineage: {lineage_url(destination)}")
    return destination

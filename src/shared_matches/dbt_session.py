"""dbt in this process: parsed once per command, the manifest reused for every invocation.

A command (migrate, sync, cleanup ...) opens one :class:`DbtSession`. Its first invocation
parses the project (about 0.7 s, with dbt's partial parsing); every later invocation, for any
player or phase, runs on a deep copy of that manifest (dbt mutates the manifest it is given:
without a fresh copy ephemeral models fail with "Table with name __dbt__cte__... does not
exist"). After each invocation the DuckDB instance dbt-duckdb caches
(``DuckDBConnectionManager._ENV``) is closed: DuckDB files are released (a backup, a cleanup
or another process can use them) and the next invocation attaches its own player DB (a cached
instance would keep the first one attached and merge it again and again).

Progress comes from dbt's structured events (``NodeFinished``), failures from its run
results: no text output is parsed.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared_matches.paths import PROJECT_ROOT, DataDir, UserError

# read by the player() macro: the player DB attached for a run
PLAYER_ENV = "HALO_PLAYER"
# read by the attach_landing() macro: "1" attaches the landing DB (phase 3)
LANDING_ENV = "HALO_LANDING"
# adapter_response code of a checklist test's result (macros/checklist/test_materialization.sql)
CHECKLIST_CODE = "checklist"
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
# no console output (progress comes from events); the log file at info level (debug, which
# logs every SQL statement, costs about 0.4 s a build)
QUIET = ("--quiet", "--log-level-file", "none")
# commands whose manifest.json / run_results.json nobody reads (the results come back in
# Python): not writing them saves about 0.4 s an invocation. `docs generate` keeps them.
NO_JSON_COMMANDS = frozenset({"build", "compile", "run", "seed", "show", "test"})


@dataclass(frozen=True)
class NodeOutcome:
    """What one dbt node did in an invocation (from its run result)."""

    unique_id: str
    name: str
    resource_type: str
    status: str
    message: str | None
    failures: int | None
    seconds: float
    compiled_code: str | None = None
    # a checklist test's rows compared (macros/checklist/test_materialization.sql), and the
    # node's config meta (a checklist test's `compares`, `no_loss_table`)
    rows_compared: int | None = None
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES


@dataclass
class DbtResult:
    args: list[str]
    ok: bool
    seconds: float
    nodes: list[NodeOutcome] = field(default_factory=list)
    error: str | None = None

    def node(self, name: str) -> NodeOutcome | None:
        return next((n for n in self.nodes if n.name == name), None)

    def summary(self) -> str:
        """What went wrong, one line per failed node (or dbt's own error)."""
        lines = [
            f"{n.resource_type} {n.name}: {n.status}"
            + (f" ({n.failures} rows)" if n.failures else "")
            + (f": {_first_lines(n.message)}" if n.message and n.status != "fail" else "")
            for n in self.nodes
            if n.failed
        ]
        if self.error:
            lines.append(_first_lines(self.error, 12))
        return "\n".join(lines) or "dbt failed without saying why"


def _first_lines(text: str, count: int = 6) -> str:
    kept = [line.rstrip() for line in str(text).strip().splitlines() if line.strip()]
    return "\n    ".join(kept[:count])


def dbt_target_dir(data_dir: DataDir) -> Path:
    """dbt's target/ for runs on this data dir (kept apart so that runs on two data dirs
    never overwrite each other's compiled files, manifest or docs)."""
    return data_dir.root / ".dbt" / "target"


# dbt's partial parsing (about 0.7 s instead of 3.5 s) keeps the parsed project in
# partial_parse.msgpack and parses everything again when the profile's connection settings
# change. The warehouse path is one of them: dbt therefore runs with the data dir as its
# working directory and HALO_DATA_DIR="." (every path dbt builds is relative to it), so that
# the profile is the same for every data dir, and the parse of one data dir seeds the next.
RELATIVE_DATA_DIR = "."
PARSE_FILE = "partial_parse.msgpack"
PARSE_SEED = PROJECT_ROOT / "target" / PARSE_FILE


def dbt_environment(data_dir: DataDir) -> dict[str, str]:
    """The environment dbt runs with for a data dir (profiles.yml and macros read it); dbt
    runs with the data dir as its working directory."""
    return {
        "HALO_DATA_DIR": RELATIVE_DATA_DIR,
        # for messages only (macro shown_path): the data dir as the user knows it
        "HALO_DATA_DIR_SHOWN": str(data_dir.root),
        "HALO_PROJECT_ROOT": str(PROJECT_ROOT),
        "DBT_PROJECT_DIR": str(PROJECT_ROOT),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT / "profiles"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
        "DBT_TARGET_PATH": str(dbt_target_dir(data_dir)),
        "DBT_LOG_PATH": str(data_dir.root / ".dbt" / "logs"),
    }


@contextmanager
def _environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for None, remove) environment variables for the duration of the block."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _working_dir(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def _seed_parse(parsed: Path) -> None:
    """Keep the latest parse as the seed of the next data dir's (best effort)."""
    try:
        PARSE_SEED.parent.mkdir(parents=True, exist_ok=True)
        partial = PARSE_SEED.with_name(PARSE_SEED.name + f".{os.getpid()}")
        shutil.copyfile(parsed, partial)
        os.replace(partial, PARSE_SEED)
    except OSError:
        pass


def release_duckdb() -> None:
    """Close the DuckDB instance dbt-duckdb keeps between invocations (frees every file)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if env is not None:
            env.close()


class DbtSession:
    """Runs dbt commands for one data dir inside this process."""

    def __init__(self, data_dir: DataDir) -> None:
        self.data_dir = data_dir
        self._manifests: dict[str, Any] = {}
        self.parse_seconds = 0.0

    # -- the manifest ---------------------------------------------------------------------
    def manifest(self, target: str | None = None) -> Any:
        """The parsed project for a target (parsed on first use)."""
        key = target or "default"
        if key not in self._manifests:
            started = time.perf_counter()
            parsed = dbt_target_dir(self.data_dir) / PARSE_FILE
            if not parsed.exists() and PARSE_SEED.is_file():
                # a stale seed only costs a full parse: dbt checks it against the project
                parsed.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(PARSE_SEED, parsed)
            args = ["parse", "--quiet"] + (["--target", target] if target else [])
            result = self._invoke(args, manifest=None, env={}, callbacks=[])
            if not result.success or result.result is None:
                raise UserError("dbt could not parse the project:\n" + _describe(result))
            self._manifests[key] = result.result
            self.parse_seconds += time.perf_counter() - started
            if parsed.is_file():
                _seed_parse(parsed)
        return self._manifests[key]

    # -- invocations ----------------------------------------------------------------------
    def run(
        self,
        args: list[str],
        *,
        player: str | None = None,
        landing: bool = False,
        env: Mapping[str, str | None] | None = None,
        vars: Mapping[str, bool | int] | None = None,
        check: bool = True,
        on_node: Callable[[NodeOutcome], None] | None = None,
    ) -> DbtResult:
        """Run one dbt command (``["build", "--selector", "phase2"]``...).

        ``player``: the gamertag whose DB is attached (passed in HALO_PLAYER, never rendered
        into SQL or Jinja text); ``landing``: attach the landing DB; ``vars``: dbt vars, flags
        and numbers only (dbt renders --vars as Jinja: no name or path ever goes there);
        ``check``: raise a UserError naming what failed instead of returning a failed result.
        """
        target = _target(args)
        manifest = self.manifest(target)
        values: dict[str, str | None] = {
            PLAYER_ENV: player,
            LANDING_ENV: "1" if landing else None,
            **(env or {}),
        }
        callbacks = [_node_callback(on_node)] if on_node else []
        extra = ["--vars", json.dumps(dict(vars))] if vars else []
        started = time.perf_counter()
        no_json = ["--no-write-json"] if args and args[0] in NO_JSON_COMMANDS else []
        outcome = self._invoke(
            [*args, *extra, *QUIET, *no_json],
            manifest=copy_manifest(manifest),
            env=values,
            callbacks=callbacks,
        )
        result = _result(args, outcome, time.perf_counter() - started)
        if check and not result.ok:
            raise UserError(f"dbt {' '.join(args[:1])} failed:\n{result.summary()}")
        return result

    def _invoke(
        self,
        args: list[str],
        *,
        manifest: Any,
        env: Mapping[str, str | None],
        callbacks: list[Callable[[Any], None]],
    ) -> Any:
        from dbt.cli.main import dbtRunner

        self.data_dir.root.mkdir(parents=True, exist_ok=True)
        with (
            _environment({**dbt_environment(self.data_dir), **env}),
            _working_dir(self.data_dir.root),
        ):
            try:
                return dbtRunner(manifest=manifest, callbacks=callbacks).invoke(args)
            finally:
                release_duckdb()


def copy_manifest(manifest: Any) -> Any:
    """A deep copy of a parsed manifest, for one invocation.

    Not ``copy.deepcopy(manifest)``: dbt-core 1.11's ``Manifest.__reduce_ex__`` passes its
    fields positionally and leaves out ``fixtures`` and ``_saved_query_lookup``, so a deep copy
    shifts every lookup into the wrong field ("RefableLookup.find() missing 1 required
    positional argument"). The data fields are copied; the lookups (private fields) are left
    empty and rebuilt on first use.
    """
    memo: dict[int, Any] = {}
    data = {
        f.name: copy.deepcopy(getattr(manifest, f.name), memo)
        for f in dataclasses.fields(manifest)
        if f.init and not f.name.startswith("_")
    }
    return type(manifest)(**data)


def _target(args: list[str]) -> str | None:
    """The --target of a dbt command line, if any."""
    if "--target" in args[:-1]:
        return args[args.index("--target") + 1]
    return None


def _node_callback(on_node: Callable[[NodeOutcome], None]) -> Callable[[Any], None]:
    def callback(event: Any) -> None:
        # an exception raised here would fail the node that dbt is reporting on
        try:
            if event.info.name != "NodeFinished":
                return
            info = event.data.node_info
            result = event.data.run_result
            outcome = NodeOutcome(
                unique_id=info.unique_id,
                name=info.node_name,
                resource_type=info.resource_type,
                status=str(info.node_status),
                message=result.message or None,
                failures=result.num_failures or None,
                seconds=float(result.execution_time or 0.0),
            )
        except Exception:  # noqa: BLE001 - progress must never break a build
            return
        on_node(outcome)

    return callback


def _result(args: list[str], outcome: Any, seconds: float) -> DbtResult:
    nodes: list[NodeOutcome] = []
    run = outcome.result
    for item in getattr(run, "results", None) or []:
        node = getattr(item, "node", None)
        if node is None:  # run-operation results carry no node
            continue
        nodes.append(
            NodeOutcome(
                unique_id=node.unique_id,
                name=node.name,
                resource_type=str(node.resource_type),
                status=str(item.status),
                message=item.message,
                failures=item.failures,
                seconds=float(item.execution_time or 0.0),
                compiled_code=getattr(node, "compiled_code", None),
                rows_compared=_rows_compared(getattr(item, "adapter_response", None)),
                meta=dict(getattr(getattr(node, "config", None), "meta", None) or {}),
            )
        )
    error = None if outcome.exception is None else str(outcome.exception)
    ok = bool(outcome.success) and not any(n.failed for n in nodes)
    return DbtResult(list(args), ok, seconds, nodes, error)


def _rows_compared(response: Any) -> int | None:
    """The rows a checklist test compared, as its materialization records them."""
    if isinstance(response, Mapping) and response.get("code") == CHECKLIST_CODE:
        rows = response.get("rows_affected")
        return int(rows) if rows is not None else None
    return None


def _describe(outcome: Any) -> str:
    if outcome.exception is not None:
        return _first_lines(str(outcome.exception), 20)
    return "no manifest"

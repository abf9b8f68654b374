"""The checklist evidence of the report: every checklist test of every phase and every player,
by name, with its result and the rows it compared, from dbt's run results.

A player merged by the run being reported is shown with the checks of its own build (the ones
that audited what it published: the matches that run merged). Every other check is run here,
on the warehouse as it is, read by dbt (checklist selectors build nothing in the warehouse:
their staging views and working tables live in the run's in-memory scratch DB):

- phase 1: `dbt test --selector checklist_phase1`;
- phase 2: `dbt build --selector checklist_phase2` for each migrated player not merged by the
  run (every match of the player), but for a cleaned-up player, whose DB no longer holds the
  moved tables: phase 5 checks it against its backup;
- in the report of a migrate run, a player the run found up to date (its DB unchanged since
  its last merge, by fingerprint) keeps its phase-2 and phase-5 checklists from the latest
  report, which says so, instead of being checked again: an incremental run's report costs
  O(what the run merged), not O(warehouse). `shared-matches report --force` checks
  everything again;
- phase 3: `dbt build --selector checklist_phase3` with the landing, when there is one;
- phase 5: `dbt build --selector checklist_phase5` for each cleaned-up player (as
  `shared-matches cleanup --verify` does).

The rows a test compared come from its run result (macros/checklist/test_materialization.sql);
the no-loss counts per table are the no-loss tests' own: source rows = rows compared, missing =
failures, represented in the warehouse = the difference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared_matches.dbt_session import DbtResult, DbtSession, NodeOutcome
from shared_matches.landing.schema import landing_path
from shared_matches.locking import LOCK_TIMEOUT, warehouse_lock
from shared_matches.paths import DataDir, UserError

PASSED = "pass"
SCOPE_RUN = "the matches this run merged"
SCOPE_ALL = "every match of the player"


@dataclass(frozen=True)
class Check:
    """One checklist test's result."""

    name: str
    status: str
    rows_compared: int | None
    failures: int | None
    compares: str | None = None
    no_loss_table: str | None = None
    message: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @classmethod
    def from_node(cls, node: NodeOutcome) -> Check:
        meta = dict(node.meta or {})
        return cls(
            name=node.name,
            status=node.status,
            rows_compared=node.rows_compared,
            failures=node.failures,
            compares=meta.get("compares"),
            no_loss_table=meta.get("no_loss_table"),
            message=None if node.status == PASSED else node.message,
        )

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Check:
        return cls(**{name: item.get(name) for name in cls.__dataclass_fields__})


@dataclass
class ChecklistRun:
    """One checklist of one phase for one subject (the warehouse, a player, the landing)."""

    phase: int
    subject: str
    scope: str
    checks: list[Check] = field(default_factory=list)
    error: str | None = None
    note: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and all(c.passed for c in self.checks)

    @property
    def checked(self) -> bool:
        return self.error is not None or bool(self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "subject": self.subject,
            "scope": self.scope,
            "passed": self.passed,
            "error": self.error,
            "note": self.note,
            "checks": [c.to_json() for c in self.checks],
        }

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> ChecklistRun:
        return cls(
            phase=int(item["phase"]),
            subject=str(item["subject"]),
            scope=str(item["scope"]),
            checks=[Check.from_json(c) for c in item.get("checks") or []],
            error=item.get("error"),
            note=item.get("note"),
        )


def earlier_checklists(
    document: dict[str, Any] | None, players: set[str]
) -> dict[tuple[int, str], ChecklistRun]:
    """The phase-2 and phase-5 checklists of these players in an earlier report's JSON, each
    noted as coming from it."""
    if not document or not players:
        return {}
    when = str(document.get("generated_at", "?"))
    found: dict[tuple[int, str], ChecklistRun] = {}
    for item in document.get("checklists") or []:
        try:
            run = ChecklistRun.from_json(item)
        except (KeyError, TypeError, ValueError):
            continue
        if run.phase in (2, 5) and run.subject in players and run.checked:
            since = f"from the report of {when}: the player's DB has not changed since"
            run.note = f"{run.note}; {since}" if run.note else since
            found[(run.phase, run.subject)] = run
    return found


@dataclass(frozen=True)
class NoLossRow:
    """One table of one player: source rows, represented in the warehouse, missing."""

    player: str
    table: str
    source_rows: int
    represented: int
    missing: int
    scope: str


def from_result(phase: int, subject: str, scope: str, result: DbtResult) -> ChecklistRun:
    tests = [n for n in result.nodes if n.resource_type == "test"]
    run = ChecklistRun(phase, subject, scope, [Check.from_node(n) for n in tests])
    failed_models = [n for n in result.nodes if n.resource_type != "test" and n.failed]
    if failed_models or (not result.ok and not any(n.failed for n in tests)):
        run.error = result.summary()
    return run


def from_checks(phase: int, subject: str, scope: str, nodes: Sequence[NodeOutcome]) -> ChecklistRun:
    return ChecklistRun(phase, subject, scope, [Check.from_node(n) for n in nodes])


# the player-DB tables the no-loss tests cover, in the order the report shows them
NO_LOSS_ORDER = ("match_stats", "match_participants", "highlight_events", "xuid_aliases")


def no_loss_rows(runs: Sequence[ChecklistRun]) -> list[NoLossRow]:
    """The no-loss tests' counts, per player and table (phase 2 only: the phase-5 checklist
    compares the views with the backup)."""
    rows: list[NoLossRow] = []
    for run in runs:
        if run.phase != 2:
            continue
        for check in run.checks:
            if check.no_loss_table and check.rows_compared is not None:
                missing = int(check.failures or 0)
                rows.append(
                    NoLossRow(
                        run.subject,
                        check.no_loss_table,
                        check.rows_compared,
                        check.rows_compared - missing,
                        missing,
                        run.scope,
                    )
                )
    order = {name: i for i, name in enumerate(NO_LOSS_ORDER)}
    players = list(dict.fromkeys(r.player for r in rows))
    return sorted(rows, key=lambda r: (players.index(r.player), order.get(r.table, 99), r.table))


def _phase5_environment(data_dir: DataDir, player: str) -> dict[str, str]:
    """The facts the phase-5 checklist needs (as `cleanup --verify` passes them)."""
    from shared_matches.cleanup.backup import find_backup, verify_backup
    from shared_matches.cleanup.state import inspect_player_db
    from shared_matches.cleanup.steps import recorded_facts
    from shared_matches.read_layer import layer_dir

    path = data_dir.player_db(player)
    ids = {r for r in inspect_player_db(path).recorded_backup_ids if r}
    if len(ids) != 1:
        raise UserError(f"{path}: the tables are gone but no single backup is recorded.")
    backup = find_backup(data_dir, player, ids.pop())
    verify_backup(backup)
    return recorded_facts(path, backup, layer_dir(data_dir)).environment()


def collect_evidence(
    data_dir: DataDir,
    runs: Sequence[Any] | None,
    *,
    session: DbtSession | None = None,
    say: Callable[[str], None] = print,
    lock_timeout: float = LOCK_TIMEOUT,
) -> list[ChecklistRun]:
    """Every checklist run of the report, in phase order (runs: migrate's PlayerRun list)."""
    from shared_matches.cleanup.state import ORIGINAL, inspect_player_db
    from shared_matches.migrate import MERGED, UP_TO_DATE
    from shared_matches.report.figures import migrated_players
    from shared_matches.report.history import latest_document

    merged_now = {r.gamertag: r for r in runs or [] if r.status == MERGED}
    unchanged = {r.gamertag for r in runs or [] if r.status == UP_TO_DATE}
    earlier = earlier_checklists(latest_document(data_dir), unchanged)
    players = [g for g in data_dir.discover_players() if g in migrated_players(data_dir)]
    states = {}
    for gamertag in players:
        try:
            states[gamertag] = inspect_player_db(data_dir.player_db(gamertag)).state
        except UserError as exc:
            states[gamertag] = str(exc)
    session = session or DbtSession(data_dir)
    evidence: list[ChecklistRun] = []

    def attempt(phase: int, subject: str, scope: str, call: Callable[[], DbtResult]) -> None:
        try:
            evidence.append(from_result(phase, subject, scope, call()))
        except UserError as exc:
            evidence.append(ChecklistRun(phase, subject, scope, error=str(exc)))

    say("Checking the warehouse for the report (every phase's checklist, read by dbt)")
    with warehouse_lock(data_dir, "report: checklists", timeout=lock_timeout):
        attempt(
            1,
            "warehouse",
            "the shared tables",
            lambda: session.run(["test", "--selector", "checklist_phase1"], check=False),
        )
        for gamertag in players:
            if gamertag in merged_now:
                run = merged_now[gamertag]
                evidence.append(from_checks(2, gamertag, SCOPE_RUN, run.checks))
            elif (2, gamertag) in earlier:
                evidence.append(earlier[(2, gamertag)])
            elif states[gamertag] == ORIGINAL:
                attempt(
                    2,
                    gamertag,
                    SCOPE_ALL,
                    lambda g=gamertag: session.run(
                        ["build", "--selector", "checklist_phase2"], player=g, check=False
                    ),
                )
            else:
                evidence.append(
                    ChecklistRun(
                        2,
                        gamertag,
                        SCOPE_ALL,
                        note="cleaned up: its DB no longer holds the moved tables; the "
                        "phase-5 checklist compares the warehouse with its backup",
                    )
                )
        if landing_path(data_dir).is_file():
            attempt(
                3,
                "landing",
                "every landed match",
                lambda: session.run(
                    ["build", "--selector", "checklist_phase3"], landing=True, check=False
                ),
            )
        for gamertag in players:
            if states[gamertag] == ORIGINAL:
                continue
            if (5, gamertag) in earlier:
                evidence.append(earlier[(5, gamertag)])
                continue

            def phase5(g: str = gamertag) -> DbtResult:
                return session.run(
                    ["build", "--selector", "checklist_phase5"],
                    player=g,
                    env=_phase5_environment(data_dir, g),
                    check=False,
                )

            attempt(5, gamertag, "the views against the player's backup", phase5)
    return evidence

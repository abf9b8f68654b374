"""`shared-matches ingest`: build or update a player DB from recorded Halo API responses.

The directory layout it reads is described in :mod:`shared_matches.sync.recorded` and in
docs/sync.md (the recorded-fixtures directory itself works). Each match is written in its
own transaction, by the same transformers and writer as `shared-matches sync`; running it
again replaces the matches it wrote. Then the player's incremental warehouse build runs.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

from shared_matches.paths import DataDir, UserError
from shared_matches.sync.parsing import MatchDataError, timestamp, utc_now, xuid_of
from shared_matches.sync.player_store import PlayerStore
from shared_matches.sync.recorded import RecordedResponses
from shared_matches.sync.transform import (
    FilmEvent,
    asset_refs,
    build_match_rows,
    gamertags_from_events,
    human_players,
)
from shared_matches.sync.warehouse_build import build_player


@dataclass
class IngestSummary:
    gamertag: str
    xuid: str = ""
    written: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    without_events: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    build_seconds: float | None = None

    def format(self) -> str:
        lines = [
            f"ingest {self.gamertag} (xuid {self.xuid}): {len(self.written)} matches written, "
            f"{len(self.skipped)} skipped, {len(self.without_events)} without film events"
        ]
        lines += [f"skipped {m}: {why}" for m, why in self.skipped]
        lines += [f"unused file {u}" for u in self.unused]
        if self.build_seconds is not None:
            lines.append(f"warehouse updated for {self.gamertag} in {self.build_seconds:.1f} s")
        return "\n".join(lines)


def ingest_recorded(
    data_dir: DataDir,
    gamertag: str,
    source: Path,
    xuid: str | None = None,
    build: bool = True,
) -> IngestSummary:
    recorded = RecordedResponses.scan(source)
    summary = IngestSummary(gamertag, unused=list(recorded.unused))
    events_by_match: dict[str, list[FilmEvent]] = {}
    for match_id, film in recorded.films.items():
        if match_id in recorded.stats:
            try:
                events_by_match[match_id] = film.events()
            except Exception as exc:  # the chunk parser raises several error types
                summary.unused.append(f"{film.path.name}: unreadable film chunk ({exc})")
    seen_gamertags: dict[str, str] = {}
    for events in events_by_match.values():
        seen_gamertags.update(gamertags_from_events(events))

    with PlayerStore.open(data_dir.player_db(gamertag)) as store:
        owner = _owner_xuid(store, gamertag, xuid, seen_gamertags)
        summary.xuid = owner
        store.claim_owner(owner, gamertag)
        ordered = sorted(
            recorded.stats.items(),
            key=lambda item: str(timestamp((item[1].get("MatchInfo") or {}).get("StartTime"))),
        )
        for match_id, stats in ordered:
            roster = dict(human_players(stats))
            if owner not in roster:
                summary.skipped.append((match_id, f"{gamertag} (xuid {owner}) did not play it"))
                continue
            names = {
                ref.kind: recorded.assets.get_any_version(ref)
                for ref in asset_refs(stats.get("MatchInfo") or {})
            }
            events = events_by_match.get(match_id)
            try:
                rows = build_match_rows(
                    stats,
                    owner,
                    gamertag,
                    asset_names=names,
                    now=utc_now(),
                    skill=recorded.skill.get(match_id),
                    events=events,
                    history_row=recorded.history_row(match_id, roster[owner]),
                    known_gamertags={**store.known_gamertags(roster), **seen_gamertags},
                )
            except MatchDataError as exc:
                summary.skipped.append((match_id, str(exc)))
                continue
            store.write_match(rows)
            summary.written.append(match_id)
            if events is None:
                summary.without_events.append(match_id)
    if build and summary.written:
        summary.build_seconds = build_player(data_dir, gamertag)
    return summary


def _owner_xuid(store: PlayerStore, gamertag: str, wanted: str | None, seen: dict[str, str]) -> str:
    if wanted:
        xuid = xuid_of(wanted)
        if not xuid:
            raise UserError(f"--xuid must be a 16-digit xuid, got {wanted!r}.")
        return xuid
    known = store.owner_xuid()
    if known:
        return known
    matches = sorted({x for x, g in seen.items() if g.lower() == gamertag.lower()})
    if len(matches) == 1:
        return matches[0]
    raise UserError(
        f"Cannot tell {gamertag}'s xuid: their DB has none and the recorded films do not "
        "show that gamertag. Pass --xuid."
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="build or update a player DB from recorded Halo API responses",
        description=(
            "Read recorded API responses (match stats, skill, history pages, asset versions, "
            "film chunks named NN_<match_id>.gzip) from a directory, write the player's "
            "matches into their v4 DB (one transaction per match), then run the player's "
            "incremental warehouse build. Layout: docs/sync.md."
        ),
    )
    parser.add_argument("--player", required=True, help="gamertag of the DB's owner")
    parser.add_argument(
        "--from", dest="source", required=True, help="directory of recorded responses"
    )
    parser.add_argument(
        "--xuid", help="the owner's xuid (default: from their DB, else from the films)"
    )
    parser.add_argument(
        "--no-build", action="store_true", help="do not run the warehouse build afterwards"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    data_dir = DataDir.from_env(args.data_dir)
    summary = ingest_recorded(
        data_dir,
        args.player,
        Path(args.source).expanduser().resolve(),
        xuid=args.xuid,
        build=not args.no_build,
    )
    print(summary.format())
    return 0

"""Writing the landing DB: everything of one match in one transaction, append-only.

``append_match`` lands the responses about one match (stats, skill, film manifest, film
chunk) and the decoded events of its chunk together: any error rolls the whole match back.
``append`` lands other responses (history pages, user look-ups, assets), one transaction
per call. Responses are checked before anything is written (:mod:`.responses`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from shared_matches.duckdb_files import new_file_config
from shared_matches.failpoints import failpoint
from shared_matches.landing.films import Decoded, decode_chunk, decoder_name
from shared_matches.landing.responses import (
    HTTP_OK,
    LandedFilm,
    LandedResponse,
    LandingDataError,
    check_responses,
)
from shared_matches.landing.schema import (
    MATCH_KINDS,
    create_landing_schema,
    landing_path,
    schema_problems,
)
from shared_matches.paths import DataDir, UserError

# SHARED_MATCHES_FAIL_AT=landing_mid_match kills the process inside a match's transaction,
# after its first response is written (the tests prove nothing of the match is kept).
MID_MATCH_STEP = "landing_mid_match"
_PID = re.compile(r"\(PID (\d+)\)")

_INSERT_RESPONSE = """
    insert into responses (
        kind, match_id, player_xuid, request, http_status, fetched_at, fetched_by, payload,
        body, film_version
    )
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    returning response_id
"""
_INSERT_EVENTS = """
    insert into film_events (
        response_id, match_id, event_no, event_type, time_ms, xuid, gamertag, type_hint,
        is_medal, medal_value, medal_name, decoder
    )
    select
        ?::bigint, ?::varchar, unnest(?::integer[]), unnest(?::varchar[]),
        unnest(?::integer[]), unnest(?::varchar[]), unnest(?::varchar[]),
        unnest(?::integer[]), unnest(?::boolean[]), unnest(?::integer[]),
        unnest(?::varchar[]), ?::varchar
"""
_INSERT_DECODE = """
    insert into film_decodes (response_id, match_id, decoder, event_count, error, decoded_at)
    values (?, ?, ?, ?, ?, ?)
"""


class LandingError(UserError):
    """The landing DB cannot be opened or written (locked, corrupt, a failed write)."""


@dataclass(frozen=True)
class FilmDecode:
    """One decode attempt of a landed film chunk (a row of ``film_decodes``)."""

    response_id: int
    match_id: str
    decoder: str
    event_count: int | None
    error: str | None
    decoded_at: datetime

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class LandedMatch:
    """What ``append_match`` wrote: the response ids (in the order given, film last)."""

    match_id: str
    response_ids: tuple[int, ...]
    film: FilmDecode | None = None


class LandingStore:
    """The landing DB opened read-write (one writer at a time, as DuckDB allows)."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection) -> None:
        self.path = path
        self.con = con

    @classmethod
    def open(cls, path: Path) -> LandingStore:
        """Open (creating it when missing, in the project's storage version: the app's DuckDB
        opens it) a landing DB read-write; an existing one keeps its version."""
        path.parent.mkdir(parents=True, exist_ok=True)
        config = new_file_config()
        try:
            con = duckdb.connect(str(path), config=config)
        except duckdb.Error as exc:
            raise _open_error(path, exc) from exc
        try:
            create_landing_schema(con)
            problems = schema_problems(con)
        except duckdb.Error as exc:
            con.close()
            raise LandingError(f"Cannot use the landing DB {path}: {_first_line(exc)}") from exc
        if problems:
            con.close()
            raise LandingError(
                f"{path} is not a landing DB ({'; '.join(problems)}): move it aside and land "
                "the responses again."
            )
        return cls(path, con)

    @classmethod
    def for_data_dir(cls, data_dir: DataDir) -> LandingStore:
        return cls.open(landing_path(data_dir))

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> LandingStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes -----------------------------------------------------------------------------
    def append(self, responses: Sequence[LandedResponse]) -> list[int]:
        """Land responses that are not about one match, in one transaction; their ids."""
        responses = list(responses)
        check_responses(responses, None, self.path)
        with self._transaction("these responses"):
            return [self._insert_response(r) for r in responses]

    def append_match(
        self, responses: Sequence[LandedResponse], film: LandedFilm | None = None
    ) -> LandedMatch:
        """Land everything of one match in one transaction (nothing of it on any error).

        The film's chunk is decoded first (a chunk that does not decode is landed with a
        film_decodes row giving the error, and no events).
        """
        everything = [*responses, *(film.responses() if film else [])]
        if not everything:
            raise LandingDataError("append_match was given no response to land.")
        match_id = everything[0].match_id
        if match_id is None or everything[0].kind not in MATCH_KINDS:
            raise LandingDataError(
                f"{everything[0].describe()} is not about one match: land it with append."
            )
        check_responses(everything, match_id, self.path)
        chunk = film.chunk if film else None
        decoded = _decode(chunk) if chunk is not None else None
        with self._transaction(f"match {match_id}"):
            ids = []
            for response in everything:
                ids.append(self._insert_response(response))
                failpoint(MID_MATCH_STEP)
            film_decode = None
            if decoded is not None:
                film_decode = self._insert_decode(ids[-1], match_id, decoded)
        return LandedMatch(match_id, tuple(ids), film_decode)

    def decode_film(self, response_id: int) -> FilmDecode:
        """Decode a landed film chunk with the current decoder and keep the outcome.

        Idempotent: a chunk the current decoder already decoded is not decoded again (its
        earlier attempt is returned).
        """
        row = self.con.execute(
            "select kind, match_id, http_status, body, film_version from responses "
            "where response_id = ?",
            [response_id],
        ).fetchone()
        if row is None or row[0] != "film_chunk" or row[2] != HTTP_OK or row[3] is None:
            raise LandingDataError(
                f"Response {response_id} of {self.path} is not a landed film chunk: only a "
                "film_chunk response with HTTP 200 can be decoded."
            )
        _, match_id, _, body, film_version = row
        earlier = self.decodes(response_id, decoder_name())
        if earlier:
            return earlier[-1]
        decoded = decode_chunk(bytes(body), int(film_version))
        with self._transaction(f"the decode of response {response_id}"):
            return self._insert_decode(response_id, match_id, decoded)

    # -- reads ------------------------------------------------------------------------------
    def decodes(self, response_id: int, decoder: str | None = None) -> list[FilmDecode]:
        """The decode attempts of one chunk, oldest first."""
        sql = (
            "select response_id, match_id, decoder, event_count, error, decoded_at "
            "from film_decodes where response_id = ?"
        )
        params: list[object] = [response_id]
        if decoder is not None:
            sql += " and decoder = ?"
            params.append(decoder)
        rows = self.con.execute(sql + " order by decoded_at", params).fetchall()
        return [FilmDecode(*row) for row in rows]

    def count(self, table: str, match_id: str | None = None) -> int:
        """Rows of one landing table (of one match)."""
        if table not in ("responses", "film_events", "film_decodes"):
            raise ValueError(f"not a landing table: {table}")
        sql = f"select count(*) from {table}"
        params: list[object] = []
        if match_id is not None:
            sql += " where match_id = ?"
            params.append(match_id)
        return int(self.con.execute(sql, params).fetchone()[0])

    def xuids_of_gamertag(self, gamertag: str) -> list[str]:
        """Xuids the landed film events show with this gamertag (any case)."""
        rows = self.con.execute(
            "select distinct xuid from film_events "
            "where lower(gamertag) = lower(?) and xuid is not null order by xuid",
            [gamertag],
        ).fetchall()
        return [r[0] for r in rows]

    # -- plumbing ---------------------------------------------------------------------------
    def _transaction(self, what: str) -> _Transaction:
        return _Transaction(self, what)

    def _insert_response(self, response: LandedResponse) -> int:
        row = self.con.execute(
            _INSERT_RESPONSE,
            [
                response.kind,
                response.match_id,
                response.player_xuid,
                response.request,
                response.http_status,
                _utc_naive(response.fetched_at),
                response.fetched_by,
                response.payload,
                None if response.body is None else bytes(response.body),
                response.film_version,
            ],
        ).fetchone()
        return int(row[0])

    def _insert_decode(self, response_id: int, match_id: str, decoded: Decoded) -> FilmDecode:
        events = decoded.events
        if events:
            self.con.execute(
                _INSERT_EVENTS,
                [
                    response_id,
                    match_id,
                    list(range(1, len(events) + 1)),
                    [e.event_type for e in events],
                    [e.time_ms for e in events],
                    [e.xuid for e in events],
                    [e.gamertag for e in events],
                    [e.type_hint for e in events],
                    [e.is_medal for e in events],
                    [e.medal_value for e in events],
                    [e.medal_name for e in events],
                    decoded.decoder,
                ],
            )
        result = FilmDecode(
            response_id,
            match_id,
            decoded.decoder,
            len(events) if decoded.ok else None,
            decoded.error,
            _utc_naive(datetime.now(UTC)),
        )
        self.con.execute(
            _INSERT_DECODE,
            [
                response_id,
                match_id,
                result.decoder,
                result.event_count,
                result.error,
                result.decoded_at,
            ],
        )
        return result


class _Transaction:
    """BEGIN ... COMMIT; any exception rolls back (a DuckDB error becomes a LandingError)."""

    def __init__(self, store: LandingStore, what: str) -> None:
        self.store = store
        self.what = what

    def __enter__(self) -> None:
        self.store.con.begin()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, _tb) -> bool:
        if kind is None:
            try:
                self.store.con.commit()
                return False
            except duckdb.Error as error:
                exc = error
        try:
            self.store.con.rollback()
        except duckdb.Error:
            pass  # a failed commit has already ended the transaction
        if isinstance(exc, duckdb.Error):
            raise LandingError(
                f"Landing {self.what} into {self.store.path} failed and was rolled back "
                f"(nothing of it was landed): {_first_line(exc)}"
            ) from exc
        return False


def _decode(chunk: LandedResponse) -> Decoded | None:
    """The chunk's events (decoded before the transaction); None for a chunk 404."""
    if chunk.http_status != HTTP_OK or chunk.body is None or chunk.film_version is None:
        return None
    return decode_chunk(bytes(chunk.body), chunk.film_version)


def _utc_naive(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _open_error(path: Path, exc: duckdb.Error) -> LandingError:
    text = _first_line(exc)
    if "lock" in text.lower():
        pid = _PID.search(text)
        holder = f" (PID {pid.group(1)})" if pid else ""
        return LandingError(
            f"The landing DB {path} is locked by another process{holder}: wait for that sync, "
            "ingest or dbt run to finish, then retry."
        )
    if "not a valid duckdb database" in text.lower():
        return LandingError(
            f"{path} is not a DuckDB database (corrupt, or another kind of file): move it "
            "aside, then land the responses again."
        )
    return LandingError(f"Cannot open the landing DB {path}: {text}")

"""The Halo Infinite API as the sync engine uses it: the real ``spnkr`` client, plus retries,
call counting by endpoint and clear errors.

- 429 and 5xx (and connection errors) are retried with exponential backoff, honouring
  ``Retry-After`` when the API sends it;
- 401/403 raise :class:`TokenRejected` (a UserError saying how to refresh the tokens);
- 404 raises :class:`NotFound`, which the engine reports for the one match concerned.

``api_base_url`` (or ``HALO_API_BASE_URL``) sends every request meant for a
``*.halowaypoint.com`` host to another server, keeping path, query and ``Host`` header: the
offline test server and the benchmark use it, so the real client code runs unchanged.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from spnkr import HaloInfiniteClient
from spnkr.models.discovery_ugc import Film
from yarl import URL

from shared_matches.paths import DataDir, UserError

HALO_DOMAIN = "halowaypoint.com"
TOKEN_ENV = ("HALO_SPARTAN_TOKEN", "HALO_CLEARANCE_TOKEN")
TOKENS_FILE_ENV = "HALO_TOKENS_FILE"
TOKENS_FILE_NAME = "halo_tokens.json"
API_BASE_URL_ENV = "HALO_API_BASE_URL"

ASSET_ENDPOINTS = {
    "playlist": ("playlist", "get_playlist"),
    "map": ("map", "get_map"),
    "pair": ("map_mode_pair", "get_map_mode_pair"),
    "game_variant": ("game_variant", "get_ugc_game_variant"),
}
T = TypeVar("T")


class TokenRejected(UserError):
    """The API answered 401/403: the tokens are missing, expired or not allowed."""


class ApiError(UserError):
    """The API kept failing (after retries) or answered something unusable."""


class NotFound(Exception):
    """The API has no such resource (HTTP 404)."""


@dataclass(frozen=True)
class AssetRef:
    """One asset version a match refers to (kind: playlist, map, pair, game_variant)."""

    kind: str
    asset_id: str
    version_id: str


@dataclass(frozen=True)
class FilmManifest:
    """A film manifest as received, and where its highlight-events chunk is (None: none)."""

    payload: Any
    chunk_url: str | None
    film_version: int | None


@dataclass(frozen=True)
class Tokens:
    spartan: str
    clearance: str
    source: str


def tokens_file(data_dir: DataDir, override: str | Path | None = None) -> Path:
    raw = override or os.environ.get(TOKENS_FILE_ENV)
    return Path(raw).expanduser() if raw else data_dir.root / TOKENS_FILE_NAME


def load_tokens(data_dir: DataDir, override: str | Path | None = None) -> Tokens:
    """Tokens from HALO_SPARTAN_TOKEN/HALO_CLEARANCE_TOKEN, else from the tokens file."""
    spartan, clearance = (os.environ.get(name, "").strip() for name in TOKEN_ENV)
    if spartan and clearance:
        return Tokens(spartan, clearance, "environment")
    path = tokens_file(data_dir, override)
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise UserError(f"{path} is not valid JSON: {exc}") from exc
        spartan = str(data.get("spartan_token") or "").strip()
        clearance = str(data.get("clearance_token") or "").strip()
        if spartan and clearance:
            return Tokens(spartan, clearance, str(path))
        raise UserError(f"{path} must hold both 'spartan_token' and 'clearance_token'.")
    raise UserError(
        "No Halo API tokens: set HALO_SPARTAN_TOKEN and HALO_CLEARANCE_TOKEN, or write "
        f'{{"spartan_token": "...", "clearance_token": "..."}} to {path} '
        f"(or to the file named by {TOKENS_FILE_ENV}). See docs/sync.md."
    )


def token_help(data_dir: DataDir | None = None) -> str:
    where = f" or update {tokens_file(data_dir)}" if data_dir else ""
    return (
        "Spartan tokens expire after a few hours: get fresh ones (spnkr.auth."
        "refresh_player_tokens with your Azure app and refresh token, see docs/sync.md) "
        f"and export HALO_SPARTAN_TOKEN / HALO_CLEARANCE_TOKEN{where}."
    )


@dataclass
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    max_retry_after: float = 300.0

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter for the given (1-based) failed attempt."""
        delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return delay * (0.5 + random.random() / 2)


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass
class CallStats:
    """API requests sent, by endpoint (retries included), and the waits they caused."""

    calls: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    waited_seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def snapshot(self) -> Counter[str]:
        return Counter(self.calls)


def redirect_middleware(base_url: str) -> Callable[..., Awaitable[aiohttp.ClientResponse]]:
    """An aiohttp client middleware sending ``*.halowaypoint.com`` requests to ``base_url``."""
    base = URL(base_url)
    if not base.host:
        raise UserError(f"Invalid API base URL: {base_url!r}")

    async def redirect(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        host = request.url.host or ""
        if host == HALO_DOMAIN or host.endswith("." + HALO_DOMAIN):
            request.url = (
                request.url.with_scheme(base.scheme).with_host(base.host).with_port(base.port)
            )
        return await handler(request)

    return redirect


class HaloApi:
    """The calls a sync makes, on top of one spnkr ``HaloInfiniteClient``."""

    def __init__(
        self,
        client: HaloInfiniteClient,
        session: aiohttp.ClientSession,
        retry: RetryPolicy | None = None,
        data_dir: DataDir | None = None,
    ) -> None:
        self.client = client
        self.session = session
        self.retry = retry or RetryPolicy()
        self.stats = CallStats()
        self._data_dir = data_dir

    @classmethod
    @asynccontextmanager
    async def connect(
        cls,
        tokens: Tokens,
        *,
        api_base_url: str | None = None,
        requests_per_second: int = 5,
        retry: RetryPolicy | None = None,
        timeout_seconds: float = 60.0,
        data_dir: DataDir | None = None,
    ) -> AsyncIterator[HaloApi]:
        middlewares = (redirect_middleware(api_base_url),) if api_base_url else ()
        async with aiohttp.ClientSession(
            middlewares=middlewares,
            timeout=aiohttp.ClientTimeout(total=timeout_seconds),
        ) as session:
            client = HaloInfiniteClient(
                session, tokens.spartan, tokens.clearance, requests_per_second=requests_per_second
            )
            yield cls(client, session, retry, data_dir)

    # -- the calls ----------------------------------------------------------------------------
    async def match_history(self, player: str, start: int, count: int = 25) -> dict[str, Any]:
        return await self._json(
            "match_history",
            lambda: self.client.stats.get_match_history(player, start=start, count=count),
        )

    async def match_stats(self, match_id: str) -> dict[str, Any]:
        return await self._json("match_stats", lambda: self.client.stats.get_match_stats(match_id))

    async def match_skill(self, match_id: str, xuids: list[str]) -> dict[str, Any]:
        return await self._json(
            "match_skill", lambda: self.client.skill.get_match_skill(match_id, xuids)
        )

    async def user_by_gamertag(self, gamertag: str) -> dict[str, Any]:
        return await self._json("user", lambda: self.client.profile.get_user_by_gamertag(gamertag))

    async def asset(self, ref: AssetRef) -> dict[str, Any]:
        """The asset version as received (NotFound: 404)."""
        endpoint, method = ASSET_ENDPOINTS[ref.kind]
        getter = getattr(self.client.discovery_ugc, method)
        return await self._json(endpoint, lambda: getter(ref.asset_id, ref.version_id))

    async def film_manifest(self, match_id: str) -> FilmManifest:
        """The film manifest as received, with the highlight-events chunk's address and the
        film major version (NotFound: 404)."""
        payload = await self._json(
            "film_manifest", lambda: self.client.discovery_ugc.get_film_by_match_id(match_id)
        )
        return FilmManifest(payload, *_highlight_chunk(payload))

    async def film_chunk(self, url: str) -> bytes:
        """A film chunk's bytes as received (NotFound: 404)."""
        return await self._request("film_chunk", lambda: self._get(url), _read_bytes)

    # -- plumbing -----------------------------------------------------------------------------
    async def _get(self, url: str) -> aiohttp.ClientResponse:
        response = await self.session.get(url)
        response.raise_for_status()
        return response

    async def _json(self, endpoint: str, send: Callable[[], Awaitable[Any]]) -> Any:
        return await self._request(endpoint, send, _read_json)

    async def _request(
        self,
        endpoint: str,
        send: Callable[[], Awaitable[Any]],
        read: Callable[[Any], Awaitable[T]],
    ) -> T:
        """Send one request (retrying 429/5xx/connection errors) and read its body."""
        attempt = 0
        while True:
            attempt += 1
            self.stats.calls[endpoint] += 1
            try:
                response = await send()
                return await read(response)
            except aiohttp.ClientResponseError as exc:
                status = exc.status
                if status in (401, 403):
                    raise TokenRejected(
                        f"The Halo API rejected the token (HTTP {status} on {endpoint}). "
                        + token_help(self._data_dir)
                    ) from exc
                if status == 404:
                    raise NotFound(f"{endpoint}: HTTP 404") from exc
                if status != 429 and status < 500:
                    raise ApiError(f"The Halo API answered HTTP {status} on {endpoint}.") from exc
                headers = exc.headers or {}
                delay = retry_after_seconds(headers.get("Retry-After"))
                reason = f"HTTP {status}"
            except (TimeoutError, aiohttp.ClientConnectionError) as exc:
                delay = None
                reason = f"{type(exc).__name__}: {exc}"
            if attempt >= self.retry.attempts:
                raise ApiError(
                    f"The Halo API kept failing on {endpoint} ({reason}) "
                    f"after {attempt} attempts; try again later."
                )
            if delay is None:
                delay = self.retry.backoff(attempt)
            delay = min(delay, self.retry.max_retry_after)
            self.stats.retries[endpoint] += 1
            self.stats.waited_seconds += delay
            await asyncio.sleep(delay)


def _highlight_chunk(manifest: Any) -> tuple[str | None, int | None]:
    """(address, film major version) of a manifest's highlight-events chunk, read with spnkr's
    film model; (None, None) when the manifest names none or spnkr cannot read it."""
    try:
        film = Film.model_validate(manifest)
    except ValueError:  # pydantic's validation error: an unexpected manifest
        return None, None
    return film.highlight_events_url, film.custom_data.film_major_version


async def _read_json(response: Any) -> Any:
    return await response.json()


async def _read_bytes(response: Any) -> bytes:
    return await response.read()

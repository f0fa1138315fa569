"""PTB's HTTP layer on aiohttp: the Bot API calls at a fraction of the CPU that httpx costs.

python-telegram-bot ships one HTTP layer, on httpx. Each call through it costs well over half a
millisecond of CPU even on a kept connection, and httpcore's pool looks at every open connection
(a system call each, and a count of all of them per idle one) before and after every call: with
the dozens a burst opens, a reply cost about 2 ms of CPU to send, as much as handling it. aiohttp's
pool hands out a kept connection without looking at the others; a call costs about 0.2 ms.

Errors map to PTB's as its own layer maps them: a timeout is ``TimedOut``, any other failure of
the connection ``NetworkError``; Telegram's answers (also errors) go back to PTB as they came.
"""

from __future__ import annotations

import os
import ssl
from typing import Any

import aiohttp
import certifi
from aiohttp.helpers import get_env_proxy_for_url
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL  # aiohttp's own URL type


def verifying_context() -> ssl.SSLContext:
    """TLS that checks Telegram's certificate, as PTB's httpx layer does: against the authorities
    in SSL_CERT_FILE or SSL_CERT_DIR when set (a network that inspects TLS names its own), else
    certifi's (a host whose system store is missing or stale still reaches the Bot API)."""
    cafile, capath = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    if cafile or capath:
        return ssl.create_default_context(cafile=cafile or None, capath=capath or None)
    return ssl.create_default_context(cafile=certifi.where())


def _chosen(value: ODVInput[float], default: float | None) -> float | None:
    """A timeout given for one call, or the layer's default where the call left it unset."""
    return default if value is BaseRequest.DEFAULT_NONE else value  # type: ignore[return-value]


def _form(request_data: RequestData) -> aiohttp.FormData | dict[str, str]:
    """The call's body: a multipart form when it uploads a file, else url-encoded parameters."""
    files = request_data.multipart_data
    if not files:
        return request_data.json_parameters
    # Names as they are (UTF-8), as Telegram reads them, not percent-encoded.
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form


class AiohttpRequest(BaseRequest):
    """A :class:`telegram.request.BaseRequest` whose calls go through one aiohttp session."""

    def __init__(
        self,
        connection_pool_size: int = 1,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 20.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        """A layer with at most ``connection_pool_size`` connections; the session opens in
        :meth:`initialize`, inside the event loop that uses it."""
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout  # an upload's (PTB's media write timeout is 20 s too)
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, tuple[URL | None, aiohttp.BasicAuth | None]] = {}

    def _proxy(self, url: str) -> tuple[URL | None, aiohttp.BasicAuth | None]:
        """The proxy that HTTPS_PROXY, HTTP_PROXY and NO_PROXY name for ``url`` (None: go direct),
        as PTB's httpx layer honoured them. Looked up once per scheme, host and port: aiohttp's own
        lookup (``trust_env``) reads the environment in worker threads at every call, which cost
        0.4 ms of CPU a call, more than the call itself."""
        origin = "/".join(url.split("/", 3)[:3])
        found = self._proxies.get(origin)
        if found is None:
            try:
                found = get_env_proxy_for_url(URL(url))
            except LookupError:
                found = (None, None)
            self._proxies[origin] = found
        return found

    @property
    def read_timeout(self) -> float | None:
        """How long a call waits for Telegram's answer unless told otherwise."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ssl=verifying_context()),
                headers={"User-Agent": self.USER_AGENT},
                # Each call sets its own timeouts; none applies to a call as a whole.
                timeout=aiohttp.ClientTimeout(total=None),
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make one call; Telegram's status code and body."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        connect = _chosen(connect_timeout, self._connect_timeout)
        waiting = _chosen(pool_timeout, self._pool_timeout)
        read = _chosen(read_timeout, self._read_timeout)
        uploading = request_data is not None and bool(request_data.multipart_data)
        total = None
        if uploading:
            # aiohttp has no write timeout, and its read timeout starts only once the body is
            # written: a file going up over a stalled connection is bounded as a whole instead.
            write = _chosen(write_timeout, self._write_timeout)
            if connect is not None and waiting is not None and write is not None and read is not None:
                total = connect + waiting + write + read
        timeout = aiohttp.ClientTimeout(
            total=total,
            # aiohttp's "connect" covers waiting for a free connection and opening one.
            connect=None if connect is None or waiting is None else connect + waiting,
            sock_connect=connect,
            sock_read=read,
        )
        body: Any = _form(request_data) if request_data is not None else None
        proxy, proxy_auth = self._proxy(url)
        try:
            # Telegram does not redirect; a redirect is answered as it came (httpx did not follow either).
            async with self._session.request(
                method,
                url,
                data=body,
                timeout=timeout,
                allow_redirects=False,
                proxy=proxy,
                proxy_auth=proxy_auth,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            # The URL holds the bot's token: the message (logged, stored with a failed send) names
            # what failed, never where.
            text = str(error).replace(url, "the Bot API")
            raise NetworkError(f"aiohttp.{type(error).__name__}: {text}") from error

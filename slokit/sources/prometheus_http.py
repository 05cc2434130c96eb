"""One call of the Prometheus HTTP API, bounded in time and size, retried, its envelope checked.

- **Time.** Each try, from connecting to the last byte of the body, ends within ``timeout`` seconds however
  slowly the server sends: a socket read timeout only bounds each read, so a server sending a byte a second
  would never trip it. A watchdog thread shuts the socket of a try that outlives its deadline.
- **Retries.** A connection failure, a timeout, HTTP 429 or 5xx is tried again up to ``retries`` times,
  after ``backoff`` seconds and twice as long before each further retry (``Retry-After`` is not obeyed: it
  would let a server stretch the run). A call thus ends within
  ``timeout * (retries + 1) + backoff * (2**retries - 1)`` seconds: 30 * 4 + 0.5 * 7 = 123.5 s by default.
- **Size.** The body is read in chunks, decompressed, and refused past ``max_response_mib`` (64 MiB by
  default): a 200 MB answer no longer takes 676 MB of memory before it is parsed.
- **Envelope.** ``{"status": "success", "data": ...}`` or a failure that says what the server sent: an HTML
  page (a proxy's login page), ``status: error`` with HTTP 200, text that is not JSON. ``warnings`` are
  collected, deduplicated, for the command to print once per run.

Errors are :class:`CallFailed` with a plain sentence, never requests' "Max retries exceeded with url".

A call costs about 0.7 ms of CPU besides its JSON (``benchmarks/bench_client.py``): the request is prepared
once and each call goes straight to requests' adapter, the environment (proxies, CA bundle, ``~/.netrc``)
read once per client; range answers are parsed by :mod:`slokit.sources.prometheus_json`.
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import itertools
import json
import socket
import threading
import time
from collections.abc import Mapping, MutableMapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from slokit.errors import exception_chain
from slokit.redact import excerpt
from slokit.settings import REDACT, PrometheusSettings, compress_responses
from slokit.sources.prometheus_json import decode

RETRY_STATUS = frozenset((429, 500, 502, 503, 504))
MIB = 1 << 20
_CHUNK = 64 * 1024
_ERROR_BODY = 64 * 1024  # an error page is read this far: enough to quote it, not a download


class CallFailed(Exception):
    """A call that got no usable answer; ``status`` and ``server_error`` when the server answered an error."""

    def __init__(self, message: str, status: int | None = None, server_error: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.server_error = server_error  # Prometheus's own "error" text, e.g. a parse error


class _Retryable(CallFailed):
    """Worth another try: the server or the network may do better next time."""


# --- the watchdog -------------------------------------------------------------------------------------


class _Watchdog:
    """Shuts the sockets of tries past their deadline, so the thread reading them gets EOF at once."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._sockets: dict[int, socket.socket] = {}
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, sock: socket.socket, deadline: float) -> int:
        with self._cond:
            token = next(self._ids)
            self._sockets[token] = sock
            heapq.heappush(self._heap, (deadline, token))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="slokit-watchdog", daemon=True)
                self._thread.start()
            # Woken only for a deadline before all others: the thread already waits for the earliest, and
            # waking it on every call cost a thread switch and a turn of the GIL per call.
            if self._heap[0][1] == token:
                self._cond.notify()
            return token

    def release(self, token: int) -> None:
        with self._cond:
            self._sockets.pop(token, None)

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][1] not in self._sockets:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                deadline, token = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                sock = self._sockets.pop(token)
                # socket.socket's own shutdown: an SSLSocket's would tear down its TLS state under the
                # reading thread; this one just makes its next read return EOF. OSError: already closed.
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


_WATCHDOG = _Watchdog()
_TRY = threading.local()  # the deadline of the current thread's try, and the sockets it watches


def _guard(sock: Any) -> None:
    deadline = getattr(_TRY, "deadline", None)
    if deadline is not None and isinstance(sock, socket.socket):
        _TRY.tokens.append(_WATCHDOG.watch(sock, deadline))


class _GuardedHTTPConnection(HTTPConnection):
    # A new connection is watched from its TCP socket on (a TLS handshake and the request included); a
    # connection taken from the pool, from the request's response on.
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _guard(sock)
        return sock

    def getresponse(self) -> Any:
        _guard(self.sock)
        return super().getresponse()


class _GuardedHTTPSConnection(_GuardedHTTPConnection, HTTPSConnection):
    # HTTPSConnection is an HTTPConnection: the guarded methods above call on into its TLS versions.
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


_POOLS = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


class _GuardedAdapter(HTTPAdapter):
    """requests' adapter on connections the watchdog can reach; no retries of its own (ours count tries)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if type(manager) is urllib3.ProxyManager:  # a SOCKS proxy has pool classes of its own
            manager.pool_classes_by_scheme = _POOLS
        return manager


# --- the client ---------------------------------------------------------------------------------------


class PrometheusApi:
    """Calls of ``{url}/api/v1/...`` with the settings' credentials, headers, TLS, limits and retries."""

    def __init__(self, settings: PrometheusSettings, url: str) -> None:
        self.settings = settings
        self.url = url
        self.limit = int(settings.max_response_mib * MIB)
        session = requests.Session()
        session.verify = settings.ca_bundle if settings.ca_bundle else settings.verify_tls
        session.headers.update(dict(settings.headers))
        if settings.token:
            session.headers["Authorization"] = f"Bearer {settings.token}"
        elif settings.user:
            session.auth = (settings.user, settings.password or "")
        if not compress_responses(settings):
            session.headers["Accept-Encoding"] = "identity"
        adapter = _GuardedAdapter(max_retries=0, pool_maxsize=max(10, settings.concurrency))
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self.session = session
        self._adapter = adapter
        # What requests works out from the environment on every call (proxies, a CA bundle, ~/.netrc) is
        # the same for every call to one server: worked out once here, it cost 0.2 ms of CPU a call.
        # Given, not left to the session: REQUESTS_CA_BUNDLE in the environment would override --ca-bundle.
        env = session.merge_environment_settings(url, {}, True, session.verify, None)
        self._proxies: MutableMapping[str, str] = env["proxies"]
        self._verify: bool | str = session.verify if env["verify"] is None else env["verify"]
        self._cert: Any = env["cert"]
        self._prepared = self._prepare()
        self._urls: dict[str, str] = {}  # endpoint URL -> as prepared
        self._warnings: dict[str, None] = {}  # insertion-ordered set
        self._lock = threading.Lock()

    @property
    def warnings(self) -> list[str]:
        """The ``warnings`` of every answer so far, each once, in the order they first came."""
        with self._lock:
            return list(self._warnings)

    def close(self) -> None:
        self.session.close()

    def get(self, endpoint: str, params: Mapping[str, Any]) -> Any:
        return self.call("GET", endpoint, params)

    def post(self, endpoint: str, form: Mapping[str, Any]) -> Any:
        """Parameters in a form body: long PromQL does not fit in a URL."""
        return self.call("POST", endpoint, form)

    def call(self, method: str, endpoint: str, values: Mapping[str, Any]) -> Any:
        """The ``data`` of a successful answer; :class:`CallFailed` after the last try otherwise."""
        tries = self.settings.retries + 1
        for attempt in range(tries):
            if attempt:
                time.sleep(self.settings.backoff * 2 ** (attempt - 1))
            try:
                return self._try(method, endpoint, values)
            except _Retryable as exc:
                if attempt == tries - 1:
                    raise CallFailed(str(exc), exc.status, exc.server_error) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _try(self, method: str, endpoint: str, values: Mapping[str, Any]) -> Any:
        timeout = self.settings.timeout
        deadline = time.monotonic() + timeout
        _TRY.deadline, _TRY.tokens = deadline, []
        try:
            response = self._send(method, f"{self.url}/api/v1/{endpoint}", values, timeout)
            try:
                status = response.status_code
                body = self._read(response, self.limit if status == 200 else _ERROR_BODY, deadline)
            finally:
                response.close()
        except requests.exceptions.RequestException as exc:
            if time.monotonic() >= deadline or isinstance(exc, requests.exceptions.Timeout):
                raise _Retryable(self._late()) from None
            raise self._transport(exc) from None
        finally:
            for token in _TRY.tokens:
                _WATCHDOG.release(token)
            _TRY.deadline = None
        if status != 200:
            raise self._refusal(status, body)
        return self._envelope(body, response.headers.get("Content-Type", ""))

    def _send(self, method: str, url: str, values: Mapping[str, Any], timeout: float) -> requests.Response:
        """The response, its body not read yet.

        Straight to the adapter with a copy of a request prepared once (headers, credentials, ~/.netrc):
        ``Session.request`` prepared, merged and hooked each call again, 0.6 ms of CPU of the 1.2 ms a call
        cost. A redirect is rare: the session follows it, as it did every call before.
        """
        request = self._prepared[method].copy()
        request.url = self._endpoint(url)
        if method == "GET":
            # What prepare_url makes of the parameters (checked in tests), without parsing and requoting the
            # whole URL again each call.
            query = urlencode([(k, v) for k, v in values.items() if v is not None], doseq=True)
            if query:
                request.url += ("&" if "?" in request.url else "?") + query
        else:
            request.prepare_body(values, None)
        response = self._adapter.send(
            request,
            stream=True,
            timeout=(timeout, timeout),
            verify=self._verify,
            cert=self._cert,
            proxies=self._proxies,
        )
        for hook in self.session.hooks.get("response", ()):  # as Session.send runs them
            response = hook(response) or response
        if response.cookies:  # a load balancer's affinity cookie: sent back on later calls, as a session does
            self._keep(response.cookies)
        if not response.is_redirect:
            return response
        response.close()
        return self.session.request(
            method,
            url,
            params=values if method == "GET" else None,
            data=values if method == "POST" else None,
            timeout=(timeout, timeout),
            stream=True,
            verify=self._verify,
        )

    def _endpoint(self, url: str) -> str:
        """``url`` as requests prepares it (IDNA host, quoted path), once per endpoint."""
        prepared = self._urls.get(url)
        if prepared is None:
            request = requests.PreparedRequest()
            request.prepare_url(url, None)
            prepared = self._urls[url] = str(request.url)
        return prepared

    def _prepare(self) -> dict[str, requests.PreparedRequest]:
        return {m: self.session.prepare_request(requests.Request(m, self.url)) for m in ("GET", "POST")}

    def _keep(self, cookies: requests.cookies.RequestsCookieJar) -> None:
        with self._lock:
            held = self.session.cookies.get_dict()
            if any(held.get(cookie.name) != cookie.value for cookie in cookies):
                self.session.cookies.update(cookies)
                self._prepared = self._prepare()

    def _read(self, response: requests.Response, cap: int, deadline: float) -> bytearray:
        declared = response.headers.get("Content-Length", "")
        if cap == self.limit and declared.isdigit() and int(declared) > cap:
            raise CallFailed(self._too_large())
        body = bytearray()
        for chunk in response.iter_content(_CHUNK):
            body += chunk
            if len(body) > cap:
                if cap == self.limit:
                    raise CallFailed(self._too_large())
                break  # an error page: its start is all a message quotes
            if time.monotonic() >= deadline:
                raise _Retryable(self._late())
        return body  # not bytes(body): json reads a bytearray, and a copy would double the peak

    def _late(self) -> str:
        return f"Prometheus at {self.url} did not answer within {self.settings.timeout:g} s"

    def _too_large(self) -> str:
        return (
            f"Prometheus's answer is over {self.settings.max_response_mib:g} MiB, the limit of a response "
            "(prometheus.max_response_mib in slokit.yaml): narrow the query, or raise the limit if it is "
            "expected"
        )

    def _credentials(self) -> str:
        if self.settings.token:
            return "a bearer token (SLOKIT_PROMETHEUS_TOKEN)"
        if self.settings.user:
            return "basic auth (SLOKIT_PROMETHEUS_USER/_PASSWORD)"
        if any(name.lower() == "authorization" for name, _ in self.settings.headers):
            return "an Authorization header (--header)"
        if urlsplit(self.url).username is not None:
            return "basic auth (user:password@ in the URL)"
        return "no credentials"

    def _refusal(self, status: int, body: bytearray) -> CallFailed:
        server_error, text = _error_text(body)
        said = f": {text}" if text else ""
        if status == 401:
            message = (
                f"authentication failed: Prometheus at {self.url} answered HTTP 401 to {self._credentials()}"
            )
        elif status == 403:
            message = (
                f"authorisation failed: Prometheus at {self.url} answered HTTP 403 (forbidden) to "
                f"{self._credentials()}"
            )
        else:
            message = f"Prometheus answered HTTP {status}"
        kind = _Retryable if status in RETRY_STATUS else CallFailed
        return kind(message + said, status, server_error)

    def _transport(self, exc: requests.exceptions.RequestException) -> CallFailed:
        """A plain sentence for what went wrong on the wire; TLS and URL problems are not worth a retry."""
        chain = exception_chain(exc)
        text = " ".join(str(e) for e in chain)
        if "CERTIFICATE_VERIFY_FAILED" in text:
            return CallFailed(
                f"cannot connect to Prometheus at {self.url}: its TLS certificate is not trusted "
                "(give the CA with --ca-bundle)"
            )
        bad_line = next((e for e in chain if isinstance(e, http.client.BadStatusLine)), None)
        if isinstance(bad_line, http.client.RemoteDisconnected):
            return _Retryable(f"Prometheus at {self.url} closed the connection without answering")
        if bad_line is not None:
            line = excerpt(REDACT, str(bad_line.args[0] if bad_line.args else ""), 80)
            return _Retryable(f"Prometheus at {self.url} answered with something that is not HTTP: {line}")
        if any(
            isinstance(e, http.client.IncompleteRead | urllib3.exceptions.ProtocolError) for e in chain
        ) and (isinstance(exc, requests.exceptions.ChunkedEncodingError)):
            return _Retryable(f"Prometheus at {self.url} closed the connection before the end of its answer")
        for marker, said in (
            ("Connection refused", "connection refused"),
            ("Name or service not known", "name or service not known"),
            ("Temporary failure in name resolution", "temporary failure in name resolution"),
            ("No route to host", "no route to host"),
            ("Network is unreachable", "network is unreachable"),
        ):
            if marker in text:
                return _Retryable(f"cannot connect to Prometheus at {self.url}: {said}")
        if any(isinstance(e, ConnectionResetError) for e in chain) or "Connection reset" in text:
            return _Retryable(f"Prometheus at {self.url} reset the connection")
        if any(isinstance(e, ConnectionAbortedError | BrokenPipeError) for e in chain):
            return _Retryable(f"Prometheus at {self.url} closed the connection")
        if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.InvalidHeader):
            return CallFailed(f"request to Prometheus at {self.url} failed: {_last_words(chain)}")
        return _Retryable(f"request to Prometheus at {self.url} failed: {_last_words(chain)}")

    def _envelope(self, body: bytearray, content_type: str) -> Any:
        try:
            answer = decode(body)
        except (ValueError, RecursionError):
            answer = None
        if not isinstance(answer, dict) or answer.get("status") not in ("success", "error"):
            raise CallFailed(f"Prometheus at {self.url} sent {_what(body, content_type)}")
        self._note_warnings(answer.get("warnings"))
        if answer["status"] == "error":
            error = _text(answer.get("error")) or "(no error text)"
            kind = _text(answer.get("errorType"))
            said = f"{kind}: {error}" if kind else error
            raise CallFailed(f"Prometheus answered status error with HTTP 200: {said}", 200, error)
        if "data" not in answer:
            raise CallFailed(f"Prometheus at {self.url} sent a success without data: {_snippet(body)}")
        return answer["data"]

    def _note_warnings(self, warnings: Any) -> None:
        if not isinstance(warnings, list):
            return
        with self._lock:
            for warning in warnings:
                self._warnings.setdefault(excerpt(REDACT, str(warning)), None)


def _last_words(chain: list[BaseException]) -> str:
    """The innermost exception's text, without urllib3's object reprs."""
    inner = chain[-1]
    return excerpt(REDACT, str(inner) or type(inner).__name__)


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _snippet(body: bytearray, length: int = 120) -> str:
    """The body's first characters, quoted, redacted before they are cut (a cut could hide a secret's end)."""
    return repr(excerpt(REDACT, body[:4096].decode("utf-8", "replace"), length))


def _what(body: bytearray, content_type: str) -> str:
    """What a body that is not an API answer is, in a few words and its first characters."""
    head = body.lstrip()[:200].lower()
    if not body.strip():
        return "an empty response, not Prometheus API JSON"
    if "html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        title = _title(body)
        return "an HTML page, not Prometheus API JSON (a login page or a proxy in the way?): " + (
            repr(title) if title else _snippet(body)
        )
    return f"a response that is not Prometheus API JSON: {_snippet(body)}"


def _title(body: bytearray) -> str:
    text = body[:65536].decode("utf-8", "replace")
    start = text.lower().find("<title")
    if start < 0:
        return ""
    open_end = text.find(">", start)
    close = text.lower().find("</title", open_end)
    if open_end < 0 or close < 0:
        return ""
    return excerpt(REDACT, text[open_end + 1 : close], 120)


def _error_text(body: bytearray) -> tuple[str | None, str]:
    """Prometheus's ``error`` from an error answer's JSON, and the text to quote (it, or the body's start)."""
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError, RecursionError):
        error = None
    if isinstance(error, str) and error:
        said = excerpt(REDACT, error)
        return said, said
    return None, excerpt(REDACT, body[:4096].decode("utf-8", "replace"))

"""Who may call the service, checked inside the app whatever starts it (``cargorisk serve``,
``uvicorn cargorisk.service:create_app --factory --host 0.0.0.0``, a process manager).

- Without ``CARGORISK_API_KEY`` the app answers this machine only: a client from another
  address gets a 403, and so does a request whose ``Host`` is not a loopback name (a web page
  elsewhere cannot reach it through DNS rebinding).
- With a key, ``/v1/...`` and ``/metrics`` need it in the ``X-API-Key`` header (compared in
  constant time); ``/healthz``, ``/readyz``, the page and the docs do not. A key no client can
  send (spaces or a line break at either end, as a secret file's last newline; a control
  character) is refused at start-up, and so is one shorter than :data:`MIN_KEY` characters
  when ``cargorisk serve`` listens beyond this machine (:func:`check_key`, :func:`check_host`).
- A request that changes something (POST, DELETE) sent by a web page of another site (its
  ``Origin`` neither this machine nor one of ``CARGORISK_CORS_ORIGINS``; an opaque ``Origin``,
  ``null`` from a local file or a sandboxed frame, is another site's too) gets a 403: a page
  elsewhere cannot make a browser post lane books to a server on this machine (a form post
  needs no CORS preflight and carries no key, so without this it would be taken); nor may it
  make the browser fetch a plan or a map (``Sec-Fetch-Site: cross-site`` without an allowed
  ``Origin``, e.g. an ``<img>`` of ``map.png``).

The OpenAPI document describes the key (:func:`document_key`) so generated clients and the
docs' *Authorize* button can send it; the guard alone checks it.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from cargorisk.errors import InputError
from cargorisk.service.errors import error

if TYPE_CHECKING:
    from fastapi import FastAPI

API_KEY_ENV = "CARGORISK_API_KEY"
LOOPBACK_NAMES = ("localhost",)
KEYED = ("/v1/", "/metrics")
KEY_SCHEME = "APIKey"  # the security scheme's name in the OpenAPI document
MIN_KEY = 16  # characters of a key that guards a server reachable beyond this machine
NEW_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(24))'"


def is_loopback(host: str) -> bool:
    """Whether a host name or address (IPv6 in brackets or not) is this machine."""
    host = host.strip("[]").lower()  # host names are not case-sensitive (LOCALHOST)
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_of(header: str) -> str:
    """The host of a ``Host`` header (without the port; IPv6 in brackets kept whole)."""
    if header.startswith("["):
        return header.split("]", maxsplit=1)[0] + "]"
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def check_host(host: str, api_key: str | None) -> None:
    """Listening beyond the loopback address needs ``CARGORISK_API_KEY`` of at least
    :data:`MIN_KEY` characters that a client can send (the CLI's early check; :class:`Guard`
    enforces the key per request)."""
    check_key(api_key)
    if is_loopback(host):
        return
    if not api_key:
        msg = f"--host {host} listens beyond this machine; set {API_KEY_ENV} first (sent as X-API-Key)"
        raise InputError(msg)
    if len(api_key) < MIN_KEY:
        msg = (
            f"--host {host} listens beyond this machine and {API_KEY_ENV} has {len(api_key)} characters; "
            f"use a key of at least {MIN_KEY} random ones, e.g. from {NEW_KEY}"
        )
        raise InputError(msg)


def check_key(api_key: str | None) -> None:
    """A key no client can send in the ``X-API-Key`` header is an InputError (every keyed request
    would be a 401): spaces or a line break at either end (HTTP drops them from a header's
    value: a secret file's last newline), or a control character. None or '' is no key."""
    if not api_key:
        return
    if api_key != api_key.strip():
        msg = (
            f"{API_KEY_ENV} starts or ends with a space or a line break (a secret file's last "
            "newline?), which no client can send in X-API-Key; remove it"
        )
        raise InputError(msg)
    if any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in api_key):
        msg = f"{API_KEY_ENV} holds a control character, which no client can send in X-API-Key; remove it"
        raise InputError(msg)


def document_key(app: FastAPI, required: bool) -> None:
    """Describe the ``X-API-Key`` header in ``app``'s OpenAPI document: a security scheme that
    every ``/v1/`` operation names, needed when the server has a key (``required``), optional
    otherwise. Documentation only: :class:`Guard` checks the key."""
    make = app.openapi

    def openapi() -> dict:
        first = app.openapi_schema is None
        schema = make()  # made once and kept by FastAPI
        if first:
            add_key_scheme(schema, required)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def add_key_scheme(schema: dict, required: bool) -> None:
    """The key's security scheme and each keyed operation's requirement, in an OpenAPI document."""
    schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes[KEY_SCHEME] = {
        "type": "apiKey", "in": "header", "name": "X-API-Key",
        "description": f"the server's {API_KEY_ENV}; needed on /v1/... and /metrics when the server has one",
    }  # fmt: skip
    need = [{KEY_SCHEME: []}] if required else [{KEY_SCHEME: []}, {}]  # {}: no key at all
    for path, operations in schema.get("paths", {}).items():
        if path.startswith(KEYED):
            for operation in operations.values():
                operation["security"] = need


class Guard:
    """ASGI middleware enforcing the rules of the module docstring."""

    def __init__(self, app: ASGIApp, api_key: str | None, origins: tuple[str, ...] = ()) -> None:
        self.app = app
        self.key = api_key.encode() if api_key else None
        self.origins = {o.rstrip("/").lower() for o in origins}  # the CORS origins allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self.refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def refusal(self, scope: Scope) -> object | None:
        """The 401/403 answer for a request that may not pass, else None."""
        headers = dict(scope["headers"])
        origin = headers.get(b"origin", b"").decode("latin-1").rstrip("/").lower()
        if self.from_another_site(scope, origin, headers):
            return error(403, f"InputError: {cross_site_message(origin)}", "cross_site")
        if self.key is None:
            client = (scope.get("client") or ("", 0))[0]
            host = host_of(headers.get(b"host", b"").decode("latin-1"))
            if not (is_loopback(client) and is_loopback(host)):
                msg = f"this server has no API key, so it answers this machine only; set {API_KEY_ENV}"
                return error(403, f"InputError: {msg}", "forbidden")
            return None
        if scope["path"].startswith(KEYED) and scope["method"] != "OPTIONS":
            sent = headers.get(b"x-api-key", b"")
            if not hmac.compare_digest(sent, self.key):
                msg = f"send the API key in the X-API-Key header ({API_KEY_ENV})"
                return error(401, f"InputError: {msg}", "unauthorized")
        return None

    def from_another_site(self, scope: Scope, origin: str, headers: dict) -> bool:
        """Whether a browser sent this request for a page of another site: a POST or DELETE whose
        ``Origin`` is not :meth:`same_site`, or any API request the browser marks
        ``Sec-Fetch-Site: cross-site`` without an allowed origin (a map PNG in another site's
        ``<img>`` would take a slot). Clients that are not browsers send neither header."""
        if origin and self.same_site(origin, headers):
            return False
        changes = bool(origin) and scope["method"] in ("POST", "DELETE")
        return changes or self.marked_cross_site(scope, headers)

    @staticmethod
    def marked_cross_site(scope: Scope, headers: dict) -> bool:
        """An API request a browser marks as made for another site's page, other than a click
        on a link (a navigation: a TMS page may link to a plan's map)."""
        return (
            scope["path"].startswith(KEYED)
            and headers.get(b"sec-fetch-site", b"") == b"cross-site"
            and headers.get(b"sec-fetch-mode", b"") != b"navigate"
        )

    def same_site(self, origin: str, headers: dict) -> bool:
        """Whether a request's ``Origin`` is this server's own, this machine or an allowed CORS
        origin."""
        if origin in self.origins or "*" in self.origins:
            return True
        own = web_host(origin)
        if not own:  # opaque ('null') or without a host ('file://'): no site to compare
            return False
        # the Host it was sent to, or the one a proxy that rewrites Host passes on (a page
        # elsewhere cannot set that header on a form post; fetch would need a preflight)
        sent_to = {headers.get(h, b"").decode("latin-1").lower() for h in (b"host", b"x-forwarded-host")}
        return is_loopback(host_of(own)) or own in sent_to


def web_host(origin: str) -> str:
    """The ``host[:port]`` of an ``http``/``https`` origin; '' for an opaque origin (``null``,
    which browsers send for local files, sandboxed frames and some redirects) or one without a
    host (``file://``)."""
    parts = urlsplit(origin)
    return parts.netloc if parts.scheme in ("http", "https") else ""


def cross_site_message(origin: str) -> str:
    """Why a request from another site's page is refused, naming its ``Origin`` when it sent one."""
    if not origin:
        return (
            "a page of another site may not use this API (the browser marked the request cross-site); "
            "only pages of the origins in CARGORISK_CORS_ORIGINS may"
        )
    if not web_host(origin):
        return (
            f"a page without a web origin (Origin: {origin[:80]}, as from a local file or a sandboxed "
            "frame) may not send requests here"
        )
    return (
        f"a page of another site ({origin[:80]}) may not send requests here; "
        "add its origin to CARGORISK_CORS_ORIGINS"
    )

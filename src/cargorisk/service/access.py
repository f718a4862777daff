"""Every answer: a request id, the access log line, the metrics, security headers, and the
keep-alive connection closed when another worker is less busy, or, without sibling workers
that share their load, when this one is busy (so that a client's next request may go elsewhere:
with keep-alive clients one worker otherwise keeps every connection it accepted first while the
others idle; :mod:`~cargorisk.service.balance`)."""

from __future__ import annotations

import logging
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("cargorisk.service")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
}
API_POLICY = "default-src 'none'; frame-ancestors 'none'"  # JSON, CSV, PNG: nothing to run
MAP_POLICY = (  # a saved map runs its inline Leaflet code and draws inline images, nothing else
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; "
    "font-src data:; frame-ancestors 'self'"
)
DOCS_POLICY = (  # Swagger UI from /static/swagger with its inline start-up script
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'"
)


class Access:
    """ASGI middleware (outermost but for error handling): see the module docstring."""

    def __init__(self, app: ASGIApp, state: object) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id, start, status = uuid.uuid4().hex[:12], time.perf_counter(), [500]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-Id"] = request_id
                self.secure(scope["path"], headers)
                if self.state.gate.should_close():  # type: ignore[attr-defined]
                    headers["Connection"] = "close"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            self.record(scope, status[0], request_id, time.perf_counter() - start)

    @staticmethod
    def secure(path: str, headers: MutableHeaders) -> None:
        """Security headers; a content policy on every answer that has none."""
        for name, value in SECURITY_HEADERS.items():
            headers.setdefault(name, value)
        if path.startswith("/v1/route/map.html"):
            headers.setdefault("Content-Security-Policy", MAP_POLICY)
            headers["X-Frame-Options"] = "SAMEORIGIN"
        elif path == "/docs":
            headers.setdefault("Content-Security-Policy", DOCS_POLICY)
        elif not path.startswith("/static/") and path != "/":
            headers.setdefault("Content-Security-Policy", API_POLICY)

    def record(self, scope: Scope, status: int, request_id: str, seconds: float) -> None:
        """The access log line and the metrics of one answer."""
        route = scope.get("route")
        endpoint = getattr(route, "path", None) or (
            "/static" if scope["path"].startswith("/static/") else "other"
        )
        self.state.metrics.observe(scope["method"], endpoint, status, seconds)  # type: ignore[attr-defined]
        self.state.metrics.answered(self.state)  # type: ignore[attr-defined]
        log.info(
            "request_id=%s method=%s path=%s status=%d ms=%.1f",
            request_id, scope["method"], scope["path"], status, seconds * 1000,
        )  # fmt: skip

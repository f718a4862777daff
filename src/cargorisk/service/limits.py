"""Limits that keep a worker answering: bounded request bodies, a bounded queue for CPU work
(503 with ``Retry-After`` beyond it), a deadline per request, and work abandoned when its client
has gone.

CPU work (planning, maps, matrices, lane books) runs in a small pool of threads, never on the
event loop, so ``/healthz`` and cheap requests answer while a plan is computed. Planning is
Python and numpy under one interpreter lock, so more threads than :attr:`ServiceOptions.slots`
would only share the same core: the queue in front of them is what bounds the wait. One slot
per worker is the default: two plans in one worker take turns with the lock and cost more CPU
than one after the other (400 varied route requests, 16 at a time, 2 workers on 2 cores: 11.4 s
of CPU per worker with one slot, 13.7 s with two; p95 874 ms against 1053 ms); run as many
workers as cores.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import anyio
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cargorisk.errors import InputError
from cargorisk.service.balance import Depths
from cargorisk.service.errors import ClientGone, Deadline, Overloaded, error, not_multipart

T = TypeVar("T")
DISCONNECT_POLL_S = 0.1


@dataclass(frozen=True)
class ServiceOptions:
    """The service's limits, read once from ``CARGORISK_*`` variables (:meth:`from_env`).

    Attributes
    ----------
    slots
        CPU requests run at once in a worker (threads; ``CARGORISK_SLOTS``).
    queue
        CPU requests that may wait for a slot; one more is a 503 (``CARGORISK_QUEUE``).
    queue_wait_s
        Longest wait for a slot before a 503 (``CARGORISK_QUEUE_WAIT_S``).
    deadline_s
        Longest a request may compute before it is stopped with a 504 (``CARGORISK_DEADLINE_S``).
    max_json_bytes, max_upload_bytes
        Largest JSON body and multipart upload (413 beyond, read no further).
    sync_lanes
        Lane books up to this many rows are answered at once; larger ones become jobs.
    max_jobs
        Lane jobs queued or running per worker (503 beyond).
    job_ttl_s
        How long a job is kept after its last change (a queued or running one's moves on).
    cors_origins
        Origins allowed to call the API from a browser (``CARGORISK_CORS_ORIGINS``, comma-separated),
        written as browsers send them (:func:`cors_origin`: ``https://tms.example.com/`` is
        ``https://tms.example.com``; a value that is not an origin is a one-line InputError).
    """

    slots: int = 1
    queue: int = 16
    queue_wait_s: float = 10.0
    deadline_s: float = 30.0
    max_json_bytes: int = 256 * 2**10
    max_upload_bytes: int = 5 * 2**20
    sync_lanes: int = 100
    max_jobs: int = 4
    job_ttl_s: float = 3600.0
    cors_origins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "cors_origins", tuple(cors_origin(o) for o in self.cors_origins))

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ServiceOptions:
        """The defaults, overridden by ``CARGORISK_SLOTS``, ``_QUEUE``, ``_QUEUE_WAIT_S``,
        ``_DEADLINE_S``, ``_SYNC_LANES``, ``_MAX_JOBS``, ``_JOB_TTL_S`` and ``_CORS_ORIGINS``."""
        env = os.environ if env is None else env
        fields = {
            "slots": int, "queue": int, "queue_wait_s": float, "deadline_s": float,
            "sync_lanes": int, "max_jobs": int, "job_ttl_s": float,
        }  # fmt: skip
        values: dict[str, object] = {}
        for name, kind in fields.items():
            text = env.get(f"CARGORISK_{name.upper()}")
            if text:
                values[name] = read_number(name, text, kind)
        origins = env.get("CARGORISK_CORS_ORIGINS", "")
        values["cors_origins"] = tuple(o.strip() for o in origins.split(",") if o.strip())
        return cls(**values)  # type: ignore[arg-type]

    @property
    def max_multipart_bytes(self) -> int:
        """A multipart body: the upload and room for its form framing."""
        return self.max_upload_bytes + 64 * 2**10


DEFAULT_PORTS = {"http": 80, "https": 443}


def cors_origin(text: str) -> str:
    """An allowed origin as a browser's ``Origin`` header writes it, which the CORS middleware
    compares character for character: scheme and host in lower case, no trailing slash, no
    default port (``HTTPS://TMS.example.com:443/`` is ``https://tms.example.com``); ``*`` and
    ``null`` as they are. Anything else (no scheme, a path, a query) is an InputError naming the
    value: it would never match, and every preflight of that page would be refused."""
    text = text.strip()
    if text in ("*", "null"):  # any origin; the opaque one of local files and sandboxed frames
        return text
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:  # a port that is not a number
        port = -1
    if (
        parts.scheme.lower() not in DEFAULT_PORTS
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
        or port == -1
    ):
        msg = (
            f"CARGORISK_CORS_ORIGINS: {text[:80]!r} is not an origin; write each as the scheme and host "
            "(and port) of the page that calls this server, e.g. https://tms.example.com or "
            "http://localhost:3000, without a path"
        )
        raise InputError(msg)
    scheme, host = parts.scheme.lower(), parts.hostname  # hostname: lower case, IPv6 without brackets
    host = f"[{host}]" if ":" in host else host
    shown_port = "" if port is None or port == DEFAULT_PORTS[scheme] else f":{port}"
    return f"{scheme}://{host}{shown_port}"


def read_number(name: str, text: str, kind: type) -> float:
    """A positive number from a ``CARGORISK_*`` variable (a one-line error naming it)."""
    try:
        value = kind(text)
    except ValueError:
        value = -1
    if not value > 0 or not math.isfinite(value):
        msg = f"CARGORISK_{name.upper()}={text!r} must be a positive {kind.__name__}"
        raise InputError(msg)
    return value


class BodyLimit:
    """ASGI middleware: a body larger than the limit (JSON, or multipart for uploads) is a 413
    read no further than the limit, whether it declares its length or is chunked."""

    def __init__(self, app: ASGIApp, options: ServiceOptions) -> None:
        self.app = app
        self.options = options

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        sent = headers.get(b"content-type", b"").decode("latin-1")
        if scope["path"] == "/v1/lanes" and (why := not_multipart(sent)) is not None:
            await error(415, why, headers={"Connection": "close"})(scope, receive, send)  # body unread
            return
        multipart = sent.startswith("multipart/")
        limit = self.options.max_multipart_bytes if multipart else self.options.max_json_bytes
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > limit:
            await too_large(limit, multipart)(scope, receive, send)
            return
        body, more, messages = 0, True, []
        while more:  # read the body up to the limit, then hand it on as it came
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += len(message.get("body", b""))
            more = message.get("more_body", False)
            if body > limit:
                await too_large(limit, multipart)(scope, receive, send)
                return
        await self.app(scope, replay(messages, receive), send)


def too_large(limit: int, multipart: bool) -> object:
    """The 413 answer."""
    what = "upload" if multipart else "JSON body"
    size = f"{limit / 2**20:.0f} MB" if limit >= 2**20 else f"{limit // 2**10} kB"
    hint = "; score larger books with `cargorisk score-lanes`" if multipart else ""
    return error(413, f"InputError: {what} larger than {size}{hint}", headers={"Connection": "close"})


def replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive callable that gives ``messages`` first, then the real ones (a disconnect)."""
    pending = list(messages)

    async def next_message() -> Message:
        return pending.pop(0) if pending else await receive()

    return next_message


class Gate:
    """A worker's admission for CPU work (see the module docstring and :class:`ServiceOptions`).

    ``running`` and ``waiting`` are the queue depth the metrics report; ``idle`` is set while no
    request is running (lane jobs run in the background while it is)."""

    def __init__(self, options: ServiceOptions, depths: Depths | None = None) -> None:
        self.options = options
        self.depths = depths or Depths(None)  # shared with the sibling workers (cargorisk.service.balance)
        self.limiters: list[anyio.CapacityLimiter] = []  # made in the event loop (anyio needs one)
        self.running = 0
        self.waiting = 0
        self.idle = threading.Event()
        self.idle_since = 0.0  # monotonic time the worker last became idle (lane jobs wait for quiet)
        self.idle.set()
        self.publish()  # siblings see an idle worker from the start

    @property
    def depth(self) -> int:
        """Requests under way here: running, or waiting for a slot."""
        return self.running + self.waiting

    @property
    def loaded(self) -> bool:
        """Whether every slot is taken (a worker without siblings that share their load then
        closes a keep-alive connection after its answer: :meth:`should_close`)."""
        return self.depth >= self.options.slots

    def should_close(self) -> bool:
        """Whether to close a keep-alive connection after its answer: when a sibling worker has
        fewer requests under way, or, without siblings, when :attr:`loaded`
        (:mod:`~cargorisk.service.balance`)."""
        return self.depths.should_close(self.depth, self.loaded)

    def publish(self) -> None:
        """Share this worker's requests under way with its siblings."""
        self.depths.publish(self.depth)

    async def run(self, request: Request, work: Callable[[threading.Event], T]) -> T:
        """Run ``work(cancel)`` in a thread once a slot is free; ``cancel`` is set when the client
        hangs up or the deadline passes, and long work checks it between its stages
        (:func:`check`).

        Raises
        ------
        Overloaded
            The queue is full, or no slot came free within the queue wait.
        ClientGone
            The client hung up (nothing is sent).
        Deadline
            The work ran past the deadline.
        """
        await self.admit(request)
        try:
            return await self.compute(request, work)
        finally:
            self.limiter.release_on_behalf_of(request)
            self.running -= 1
            self.publish()
            if self.running == 0:
                self.idle_since = time.monotonic()  # before the event: a waiting job reads it
                self.idle.set()

    async def admit(self, request: Request) -> None:
        """Wait for a slot (bounded queue, bounded wait)."""
        if self.waiting >= self.options.queue:
            msg = f"this worker has {self.depth} requests under way; retry shortly"
            raise Overloaded(msg, retry_after=self.retry_after())
        self.waiting += 1
        self.publish()
        acquired = False
        try:
            with anyio.fail_after(self.options.queue_wait_s):
                acquired = await self.acquire_unless_gone(request)
        except TimeoutError:
            msg = f"no free slot within {self.options.queue_wait_s:g} s; retry shortly"
            raise Overloaded(msg, retry_after=self.retry_after()) from None
        finally:
            self.waiting -= 1
            if acquired:
                self.running += 1  # from the queue to a slot: the same depth
            else:
                self.publish()
        if not acquired:  # the client hung up in the queue: its place goes to the next
            raise ClientGone("the client hung up while its request waited")
        self.idle.clear()

    async def acquire_unless_gone(self, request: Request) -> bool:
        """Wait for a slot while watching the client; False (no slot held) if it hangs up."""
        acquired = False
        async with anyio.create_task_group() as group:

            async def hang_up() -> None:
                while not await request.is_disconnected():
                    await anyio.sleep(DISCONNECT_POLL_S)
                group.cancel_scope.cancel()

            group.start_soon(hang_up)
            await self.limiter.acquire_on_behalf_of(request)
            acquired = True
            group.cancel_scope.cancel()
        return acquired

    async def compute(self, request: Request, work: Callable[[threading.Event], T]) -> T:
        """Run the work in a thread while watching for a hang-up and the deadline."""
        if await request.is_disconnected():
            raise ClientGone("the client hung up while its request waited")
        cancel = threading.Event()
        started = time.monotonic()
        failed: Exception | None = None
        async with anyio.create_task_group() as group:
            group.start_soon(watch, request, cancel, started + self.options.deadline_s)
            try:
                result = await anyio.to_thread.run_sync(work, cancel, limiter=self.limiter_for_threads)
            except Exception as exc:  # raised after the group, not wrapped in an exception group
                failed = exc
            group.cancel_scope.cancel()
        if cancel.is_set():  # it finished its last stage regardless: the answer is not sent
            raise stopped(request, self.options.deadline_s)
        if failed is not None:
            raise failed
        return result

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        """The slots (admission)."""
        return self.made()[0]

    @property
    def limiter_for_threads(self) -> anyio.CapacityLimiter:
        """The threads admitted work runs in (apart from the threads of other endpoints)."""
        return self.made()[1]

    def made(self) -> list[anyio.CapacityLimiter]:
        """Both limiters, made on first use."""
        if not self.limiters:
            self.limiters = [anyio.CapacityLimiter(self.options.slots) for _ in range(2)]
        return self.limiters

    def retry_after(self) -> int:
        """Seconds a client should wait: about the time the queue takes to drain (1 s a slot)."""
        return max(1, math.ceil(self.depth / self.options.slots))


async def watch(request: Request, cancel: threading.Event, deadline: float) -> None:
    """Set ``cancel`` when the client hangs up or the deadline passes."""
    while not cancel.is_set():
        if await request.is_disconnected() or time.monotonic() > deadline:
            cancel.set()
            return
        await anyio.sleep(DISCONNECT_POLL_S)


def stopped(request: Request, deadline_s: float) -> Exception:
    """Why work was stopped: the client left, or the deadline passed."""
    if request._is_disconnected:
        return ClientGone("the client hung up; its work was abandoned")
    return Deadline(f"the request took longer than {deadline_s:g} s and was stopped; narrow it or retry")


def check(cancel: threading.Event) -> None:
    """Between stages of long work: stop when the request was cancelled."""
    if cancel.is_set():
        raise ClientGone("cancelled")

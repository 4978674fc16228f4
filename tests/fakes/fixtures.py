"""Pytest fixtures around the fake speech service; import them from ``tests/conftest.py``::

    from tests.fakes.fixtures import edge_down, edge_service, fast_retry, make_edge_service

Each fake is started per test on a free 127.0.0.1 port, and the environment variables that
point the engine at it are set for that test only. edge-tts keeps a process-wide clock-skew
correction (changed by 403 answers); it is put back after each test so tests stay independent.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from edge_tts.drm import DRM

from audiobook.engines.edge import ENDPOINT_ENV, VOICES_URL_ENV
from audiobook.synth import RetryPolicy
from tests.fakes.edge_service import FakeEdgeService

__all__ = ["closed_port", "edge_down", "edge_service", "fast_retry", "make_edge_service"]


def closed_port() -> int:
    """A local port nobody listens on (bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _no_proxy_for_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    # edge_tts opens its sessions with trust_env=True: a proxy set for PyPI must not
    # swallow our loopback connections.
    for name in ("NO_PROXY", "no_proxy"):
        current = os.environ.get(name, "")
        monkeypatch.setenv(name, ",".join(filter(None, [current, "127.0.0.1", "localhost"])))


@pytest.fixture
def make_edge_service(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., FakeEdgeService]]:
    """Start a fake with options (see FakeEdgeService) and point the engine at it."""
    started: list[FakeEdgeService] = []
    skew = DRM.clock_skew_seconds
    _no_proxy_for_loopback(monkeypatch)

    def make(**options: Any) -> FakeEdgeService:
        service = FakeEdgeService(**options).start()
        started.append(service)
        monkeypatch.setenv(ENDPOINT_ENV, service.endpoint)
        monkeypatch.setenv(VOICES_URL_ENV, service.voices_url)
        return service

    yield make
    for service in started:
        service.stop()
    DRM.clock_skew_seconds = skew


@pytest.fixture
def edge_service(make_edge_service: Callable[..., FakeEdgeService]) -> FakeEdgeService:
    """A well-behaved fake; script faults with ``edge_service.script("drop", ...)``."""
    return make_edge_service()


@pytest.fixture
def edge_down(monkeypatch: pytest.MonkeyPatch) -> str:
    """The endpoint of a service that is down: a local port nobody listens on."""
    _no_proxy_for_loopback(monkeypatch)
    port = closed_port()
    url = f"ws://127.0.0.1:{port}/consumer/speech/synthesize/readaloud/edge/v1?TrustedClientToken=x"
    monkeypatch.setenv(ENDPOINT_ENV, url)
    monkeypatch.setenv(VOICES_URL_ENV, f"http://127.0.0.1:{port}/voices/list?trustedclienttoken=x")
    return url


@pytest.fixture
def fast_retry() -> RetryPolicy:
    """Real backoff arithmetic with millisecond waits and a budget of seconds (not two
    minutes), so retry tests take no time; a service that is down is judged so after four
    outage-like failures in a row."""
    return RetryPolicy(give_up_after_s=5.0, down_attempts=4, base_delay_s=0.001, max_delay_s=0.004)

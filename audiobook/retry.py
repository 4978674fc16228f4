"""Retrying a sentence while the engine makes progress: the policy (backoff with jitter, the
budget that follows the service), the progress clock every worker shares, and one sentence
spoken with retries. See :mod:`audiobook.synth` for why retries follow progress."""

from __future__ import annotations

import math
import os
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

from audiobook.engines.base import Engine
from audiobook.errors import ConfigError, EngineError
from audiobook.models import Segment, Speech

#: The environment variable that sets :attr:`RetryPolicy.give_up_after_s` (seconds) when
#: ``--give-up-after`` is not given.
GIVE_UP_ENV = "AUDIOBOOK_GIVE_UP_AFTER"


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying a sentence before the build gives up on the engine.

    A sentence is retried while the engine is making progress (other sentences are being
    spoken), and given up when nothing has been spoken for ``give_up_after_s`` while the
    build was waiting on the engine; or, before anything at all has been spoken, after
    ``down_attempts`` failures in a row that look like a service that is down. The waits
    between attempts are about 0.4, 0.8, 1.6, 3.2 s, then 6 s at most.
    """

    #: Give up when nothing has been spoken for this long (the budget; ``--give-up-after``).
    give_up_after_s: float = 120.0
    #: Before anything has been spoken: failures in a row that look like an outage (refused,
    #: no such host, 401/403, no audio) after which the service is taken to be down. Six
    #: such answers at the fault rates seen in the wild (a few percent) do not happen by
    #: chance; from a service that is down they take some ten seconds.
    down_attempts: int = 6
    base_delay_s: float = 0.4
    max_delay_s: float = 6.0
    #: A server's Retry-After is honoured up to this long.
    max_retry_after_s: float = 30.0

    def __post_init__(self) -> None:
        if not self.give_up_after_s > 0 or not math.isfinite(self.give_up_after_s):
            raise ConfigError(
                f"the retry budget must be a positive number of seconds, "
                f"not {self.give_up_after_s!r}"
            )
        if self.down_attempts < 1:
            raise ConfigError(f"down_attempts must be at least 1, not {self.down_attempts}")

    @classmethod
    def from_setting(cls, give_up_after_s: float | None = None) -> RetryPolicy:
        """The policy for a build: ``give_up_after_s`` if given, else :data:`GIVE_UP_ENV`,
        else two minutes. A bad value is a ConfigError (exit 2), before any speech."""
        if give_up_after_s is None:
            raw = os.environ.get(GIVE_UP_ENV, "").strip()
            if not raw:
                return cls()
            try:
                give_up_after_s = float(raw)
            except ValueError:
                raise ConfigError(
                    f"{GIVE_UP_ENV} must be a number of seconds, not {raw!r}"
                ) from None
        return cls(give_up_after_s=give_up_after_s)

    def delay(self, failures: int, rng: random.Random, retry_after_s: float | None = None) -> float:
        """Wait after the ``failures``-th failure: "equal jitter" keeps the exponential floor
        (so waits really grow) while spreading clients over the upper half."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (min(failures, 60) - 1))
        wait_s = ceiling / 2 + rng.uniform(0, ceiling / 2)
        if retry_after_s is not None:
            wait_s = max(wait_s, min(retry_after_s, self.max_retry_after_s))
        return wait_s


class Progress:
    """What the engine has achieved in this build, shared by every worker: the clock the
    retry budget runs on.

    "Nothing spoken for a while" counts only time during which some sentence was waiting on
    the engine: a book whose encoder kept the speaking window full for ten minutes has not
    seen the service stall. Moments with nothing waiting pause the count rather than
    restart it, so a service that is gone stays gone for the sentences after it.
    """

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float]) -> None:
        self.policy = policy
        self.clock = clock
        self._lock = threading.Lock()
        self.spoken = 0
        self._waiting = 0
        #: Time spent waiting since the last sentence was spoken, up to ``_since``.
        self._stalled_s = 0.0
        self._since = clock()
        #: A sentence ran out of tries before anything was spoken: the service is down, and
        #: the next sentences give up at their first outage-like failure (a fallback then
        #: speaks the rest at once instead of after ten seconds each).
        self._down = False

    def _stalled(self, now: float) -> float:
        return self._stalled_s + (now - self._since if self._waiting else 0.0)

    def begin(self) -> None:
        with self._lock:
            now = self.clock()
            self._stalled_s, self._since = self._stalled(now), now
            self._waiting += 1

    def end(self, spoken: bool) -> None:
        with self._lock:
            now = self.clock()
            self._stalled_s, self._since = self._stalled(now), now
            self._waiting -= 1
            if spoken:
                self.spoken += 1
                self._stalled_s = 0.0
                self._down = False

    def give_up(self, exc: BaseException, failures: int, down_run: int) -> str | None:
        """Why this sentence should not be tried again after ``exc``, or None to retry."""
        if not getattr(exc, "transient", False):
            return "not retried" if failures == 1 else f"after {failures} attempts"
        with self._lock:
            looks_down = self._down or down_run >= self.policy.down_attempts
            if self.spoken == 0 and getattr(exc, "down", False) and looks_down:
                self._down = True
                return f"after {failures} attempts; nothing has been spoken: it looks down"
            stalled = self._stalled(self.clock())
        if stalled >= self.policy.give_up_after_s:
            return f"after {failures} attempts; nothing spoken for {stalled:.0f} s"
        return None


class Stopped(Exception):
    """Another segment failed for good; this one stops without trying further."""


def describe(seg: Segment) -> str:
    excerpt = seg.display_text.strip().replace("\n", " ")
    if len(excerpt) > 24:
        excerpt = excerpt[:24] + "…"
    return f"section {seg.section + 1}, sentence {seg.index + 1} («{excerpt}»)"


def speak_with_retries(
    engine: Engine,
    seg: Segment,
    progress: Progress,
    stop: threading.Event,
    rng: random.Random,
    sleep: Callable[[float], object] | None,
) -> Speech:
    """The engine's speech for ``seg``, retried while the budget allows (see :class:`Progress`);
    an EngineError naming the sentence, its last cause and why it was given up, otherwise."""
    failures = down_run = 0
    spoken = False
    progress.begin()
    try:
        while True:
            if stop.is_set():
                raise Stopped
            try:
                speech = engine.synthesize(seg.spoken_text)
                spoken = True
                return speech
            except EngineError as exc:
                failures += 1
                down_run = down_run + 1 if getattr(exc, "down", False) else 0
                why = progress.give_up(exc, failures, down_run)
                if why is not None:
                    raise EngineError(f"{describe(seg)}: {exc} ({why})") from exc
                delay = progress.policy.delay(failures, rng, getattr(exc, "retry_after_s", None))
                if sleep is not None:
                    sleep(delay)
                elif stop.wait(delay):  # wakes at once when another segment has failed
                    raise Stopped from exc
    finally:
        progress.end(spoken)

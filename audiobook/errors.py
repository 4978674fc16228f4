"""One small hierarchy of errors the CLI turns into a one-line message and an exit code.

Anything raised as an :class:`AudiobookError` is the user's to fix (bad input, unreachable
service, bad profile); anything else is our bug and keeps its traceback.
"""

from __future__ import annotations


class AudiobookError(Exception):
    """Base class: ``str(err)`` is the one line the user sees."""

    exit_code = 1


class InputError(AudiobookError):
    """The article cannot be read: missing, empty, binary, undecodable or too large."""

    exit_code = 2


class ConfigError(AudiobookError, ValueError):
    """An option, voice profile, lexicon or feed setting is wrong (a ValueError too, so pure
    library callers can catch it as the usage error it is)."""

    exit_code = 2


class EngineError(AudiobookError):
    """Speech could not be produced (after retries, where the engine retries).

    Engines say what kind of failure it was, for the scheduler (:mod:`audiobook.synth`) to
    act on: ``transient`` when trying again may help (a dropped connection, a throttle, a
    hiccup), and ``down`` when it is what a service that is down looks like (it cannot be
    reached, refuses every client, or speaks nothing): before anything has been spoken, a
    run of those ends a build in seconds instead of riding out the retry budget.
    """

    exit_code = 3
    transient: bool = False
    down: bool = False
    #: The service's own Retry-After, honoured (within limits) before the next attempt.
    retry_after_s: float | None = None


class PublishError(AudiobookError):
    """The episode or feed could not be written; what was published before is untouched."""

    exit_code = 4


class FetchError(AudiobookError):
    """An article's page could not be fetched now (DNS, connection, TLS, timeout, a server
    error, a redirect loop): worth retrying later, unlike a bad address (an InputError)."""

    exit_code = 5


class RecordError(PublishError):
    """The output folder's episode store (``episodes.json``) is damaged or was edited into a
    shape it cannot have: not JSON, a missing key, a wrong type. Nothing is written over
    it; the user restores or fixes the file (the message names the episode and the key)."""

    exit_code = 6

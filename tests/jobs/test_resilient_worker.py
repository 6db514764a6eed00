"""jobs/resilient_worker.py: which errors mean "Redis is gone" (the worker then stays up)."""

from __future__ import annotations

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError, WatchError

from jobs.resilient_worker import lost_redis


def watch_error_from(cause: BaseException) -> WatchError:
    try:
        try:
            raise cause
        except type(cause) as error:
            raise WatchError(
                "A ConnectionError occurred on while watching one or more keys"
            ) from error
    except WatchError as watch:
        return watch


def test_a_connection_error_while_watching_keys_is_a_lost_redis() -> None:
    assert lost_redis(RedisConnectionError("Error 111 connecting"))
    assert lost_redis(watch_error_from(RedisConnectionError("Error 111 connecting")))


def test_a_real_watch_conflict_or_a_command_error_is_not() -> None:
    assert not lost_redis(WatchError("Watched variable changed."))
    assert not lost_redis(watch_error_from(ResponseError("WRONGTYPE")))
    assert not lost_redis(ValueError("a bug"))

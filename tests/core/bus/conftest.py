from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.core.bus.private_redis import PrivateRedis


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    redis = PrivateRedis().start()
    yield redis
    redis.kill()

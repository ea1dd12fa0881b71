"""The Redis-backed queue, end to end against the real Redis (127.0.0.1:6379; ``.ci/run`` starts
it). Not a database test. Never skipped: a Redis that is down fails here, loudly, with how to
start it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid

import pytest
import redis
from huey import RedisHuey

REDIS_URL = os.environ.get("LUPUSCARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@pytest.fixture
def queue():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is required for the queue tests and is not reachable at {REDIS_URL} "
                    f"({exc}); start it (see .ci/run or docs/jobs.md)")
    huey = RedisHuey(f"lupuscare-test-{uuid.uuid4().hex}", url=REDIS_URL, results=True)
    yield huey
    huey.flush()


def test_a_job_is_enqueued_in_redis_run_by_a_worker_retried_once_and_its_result_kept(queue):
    calls: list[int] = []

    @queue.task(retries=1, retry_delay=0)
    def double(x: int) -> int:
        calls.append(x)
        if len(calls) == 1:
            raise RuntimeError("the mail server is down")  # the first attempt fails
        return 2 * x

    result = double(21)
    assert queue.pending_count() == 1  # it is in Redis, not run yet
    assert calls == []
    saved = {s: signal.getsignal(s) for s in _SIGNALS}
    consumer = queue.create_consumer(workers=1, worker_type="thread", periodic=False,
                                     initial_delay=0.05, max_delay=0.2, check_worker_health=False)
    consumer.start()
    try:
        value = result.get(blocking=True, timeout=20)
    finally:
        consumer.stop(graceful=True)
        for s, handler in saved.items():
            signal.signal(s, handler)
    assert value == 42 and calls == [21, 21]
    assert queue.pending_count() == 0


def test_the_settings_choose_redis_when_its_url_is_set_and_sqlite_otherwise(tmp_path):
    code = ("from huey.contrib.djhuey import HUEY; import django; "
            "print(type(HUEY).__name__, HUEY.immediate)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lupuscare.web.settings",
           "LUPUSCARE_DATA_DIR": str(tmp_path)}

    def huey_with(extra: dict[str, str]) -> str:
        setup = "import django; django.setup(); "
        out = subprocess.run([sys.executable, "-c", setup + code], env={**env, **extra},
                             capture_output=True, text=True, timeout=60, check=True)
        return out.stdout.strip()

    env.pop("LUPUSCARE_REDIS_URL", None)
    assert huey_with({}) == "SqliteHuey False"
    assert huey_with({"LUPUSCARE_REDIS_URL": REDIS_URL}) == "RedisHuey False"

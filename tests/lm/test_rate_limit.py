import threading
import time

import pytest

from mopa.lm.rate_limit import RateLimiter, estimate_tokens, limiter_for


class Clock:
    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(clock: Clock, **limits) -> RateLimiter:
    return RateLimiter(**limits, clock=clock, sleep=clock.sleep)


def test_requests_are_spaced_by_the_rate_and_an_idle_limiter_saves_no_burst():
    clock = Clock()
    rl = limiter(clock, rpm=60)
    for _ in range(3):
        rl.acquire()
    assert clock.slept == [1.0, 1.0]
    clock.now += 10  # idle: the next request leaves at once, the one after waits again
    rl.acquire()
    rl.acquire()
    assert clock.slept == [1.0, 1.0, 1.0]


def test_tokens_per_minute_space_requests_by_their_cost_corrected_by_usage():
    clock = Clock()
    rl = limiter(clock, tpm=600)  # 10 tokens a second
    rl.acquire(50)
    rl.settle(50, 20)  # the reply used 20: the next request waits 2 s, not 5
    rl.acquire(10)
    assert clock.slept == [pytest.approx(2.0)]


def test_retry_after_holds_back_the_next_request():
    clock = Clock()
    rl = limiter(clock, rpm=6000)
    rl.acquire()
    rl.pause(3.0)
    rl.acquire()
    assert clock.slept == [pytest.approx(3.0)]


def test_threads_share_one_limiter():
    rl = RateLimiter(rpm=1200)  # 0.05 s apart
    start = time.monotonic()
    threads = [threading.Thread(target=lambda: [rl.acquire() for _ in range(3)])
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.monotonic() - start >= 11 * 0.05 * 0.95


def test_one_limiter_per_model_and_server_and_none_without_limits():
    a = limiter_for("openai/m", "http://h:1/v1", 10, None)
    assert limiter_for("openai/m", "http://h:1/v1", 10, None) is a
    assert limiter_for("openai/m", "http://h:2/v1", 10, None) is not a
    assert limiter_for("openai/m", None, None, None) is None


def test_a_bad_limit_is_refused_naming_the_flag():
    with pytest.raises(ValueError, match=r"--rpm 0: expected a number > 0"):
        RateLimiter(rpm=0)


def test_the_estimate_counts_the_prompt_and_every_choice():
    messages = [{"role": "user", "content": "x" * 400}]
    assert estimate_tokens(messages, 50, n=3) == 100 + 150

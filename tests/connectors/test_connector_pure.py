"""The transport's pure rules: Retry-After, backoff bounds, the rate budget, redaction."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from concord.errors import RateLimitExhausted
from resources.connector import (
    CallCounter,
    CursorPaging,
    LimitReading,
    RateBudget,
    RetryPolicy,
    counting_calls,
    parse_retry_after,
    redact_url,
)

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("-5", 0.0),
        ("1.5", 1.5),
        ("Wed, 01 May 2024 12:00:30 GMT", 30.0),
        ("Wed, 01 May 2024 11:59:00 GMT", 0.0),  # in the past: go now
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(header: str | None, seconds: float | None):
    assert parse_retry_after(header, NOW) == seconds


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 8, 30])
def test_backoff_stays_between_half_step_and_cap(attempt: int):
    policy = RetryPolicy(base=0.5, cap=10.0)
    step = min(10.0, 0.5 * 2 ** (attempt - 1))
    assert policy.backoff(attempt, rng=lambda: 0.0) == pytest.approx(step / 2)
    assert policy.backoff(attempt, rng=lambda: 0.999999) <= step
    assert policy.backoff(attempt, rng=lambda: 0.999999) <= 10.0


def test_backoff_grows_with_attempts():
    policy = RetryPolicy(base=0.5, cap=30.0)
    waits = [policy.backoff(n, rng=lambda: 0.5) for n in range(1, 6)]
    assert waits == sorted(waits) and waits[-1] > waits[0] * 10


def test_server_retry_after_wins_over_backoff_with_small_jitter():
    policy = RetryPolicy(base=0.5)
    assert policy.delay(1, 7.0, rng=lambda: 0.0) == 7.0
    assert 7.0 <= policy.delay(4, 7.0, rng=lambda: 0.99) <= 7.5


def test_budget_refuses_when_remaining_falls_to_reserve():
    budget = RateBudget(system="x", reserve=2)
    budget.acquire()  # nothing known yet: allowed
    budget.observe(LimitReading(remaining=4, limit=100))
    budget.acquire()  # 4 -> 3
    budget.acquire()  # 3 -> 2
    with pytest.raises(RateLimitExhausted) as err:
        budget.acquire()
    assert err.value.system == "x" and "reserve 2" in str(err.value)
    budget.observe(LimitReading(remaining=50, limit=100))  # the day rolled over
    budget.acquire()


def test_budget_is_consistent_under_threads():
    budget = RateBudget(reserve=0)
    budget.observe(LimitReading(remaining=500, limit=1000))
    granted: list[int] = []
    refused: list[int] = []

    def spend() -> None:
        for _ in range(100):
            try:
                budget.acquire()
                granted.append(1)
            except RateLimitExhausted:
                refused.append(1)

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 500 and len(refused) == 300


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _call(budget: RateBudget, clock: FakeClock, seconds: float = 0.0) -> None:
    """One call through the budget that takes `seconds` to answer."""
    budget.acquire()
    clock.now += seconds
    budget.settle()


def test_sliding_window_blocks_until_a_call_is_allowed():
    clock = FakeClock()
    budget = RateBudget(per_window=3, window_seconds=60, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        _call(budget, clock)
    assert clock.slept == []
    clock.now = 10.0
    budget.acquire()  # the 4th call waits for the 1st to leave the window
    assert clock.now == pytest.approx(60.0)


def test_window_counts_from_the_answer_not_the_send():
    """The server saw a call somewhere between send and answer: a window measured from the
    send could let the next call arrive before the server's window has moved on."""
    clock = FakeClock()
    budget = RateBudget(per_window=2, window_seconds=60, clock=clock, sleep=clock.sleep)
    _call(budget, clock, seconds=5.0)  # sent at 0, answered at 5
    _call(budget, clock, seconds=5.0)  # sent at 5, answered at 10
    budget.acquire()
    assert clock.now == pytest.approx(65.0)


def test_a_call_in_flight_holds_its_slot():
    clock = FakeClock()
    budget = RateBudget(per_window=1, window_seconds=60, clock=clock, sleep=clock.sleep)
    budget.acquire()  # not answered yet
    released = threading.Event()

    def answer_later() -> None:
        released.wait(5)
        clock.now = 3.0
        budget.settle()

    threading.Thread(target=answer_later).start()
    released.set()
    budget.acquire()  # waits for the answer, then a whole window from it
    assert clock.now == pytest.approx(63.0)


def test_no_more_than_max_in_flight_at_once():
    budget = RateBudget(max_in_flight=3)
    lock = threading.Lock()
    now = peak = 0

    def call() -> None:
        nonlocal now, peak
        budget.acquire()
        with lock:
            now += 1
            peak = max(peak, now)
        time.sleep(0.01)
        with lock:
            now -= 1
        budget.settle()

    threads = [threading.Thread(target=call) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 3 and budget.in_flight == 0


def test_server_says_window_empty_blocks_for_its_reset():
    clock = FakeClock()
    budget = RateBudget(clock=clock, sleep=clock.sleep)
    budget.observe(LimitReading(window_remaining=0, window_reset_after=12.0))
    budget.acquire()
    assert clock.slept == [pytest.approx(12.0)]


def test_server_empty_window_is_trusted_only_when_our_count_disagrees():
    clock = FakeClock()
    budget = RateBudget(per_window=2, window_seconds=60, clock=clock, sleep=clock.sleep)
    _call(budget, clock, 1.0)
    budget.observe(LimitReading(window_remaining=0))  # someone else spent the rest
    budget.acquire()
    assert clock.now == pytest.approx(61.0)  # a whole window from the reading
    budget.settle()
    _call(budget, clock, 1.0)
    clock.now = 100.0
    # Two of our own calls fill the window: its oldest answer says when, not a whole window.
    budget.observe(LimitReading(window_remaining=0))
    budget.acquire()
    assert clock.now == pytest.approx(121.0)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://h:8443/services/data/v60.0/query?q=SELECT+Id+FROM+Account+WHERE+Name%3D%27x%27",
         "https://h:8443/services/data/v60.0/query?q=***"),
        ("https://user:pw@h/p?access_token=abc&x=1#frag", "https://h/p?access_token=***&x=***"),
        ("https://h/services/data/v60.0/sobjects/Account", "https://h/services/data/v60.0/sobjects/Account"),
    ],
)
def test_redacted_urls_keep_path_and_keys_only(url: str, shown: str):
    assert redact_url(url) == shown


def test_counter_reports_all_kinds_and_endpoints():
    counter = CallCounter(("read", "write", "bulk_jobs"))
    counter.record("read", "query")
    counter.record("read", "query:more")
    assert counter.as_dict() == {"read": 2, "write": 0, "bulk_jobs": 0}
    assert counter.by_endpoint() == {"query": 1, "query:more": 1}
    assert counter.total == 2


def test_counting_calls_sums_the_counters_made_in_its_block_only():
    before = CallCounter(("read", "write"))
    with counting_calls() as spent:
        first, second = CallCounter(("read", "write")), CallCounter(("read", "write", "auth"))
        first.record("write", "sobjects")
        second.record("read", "query")
        second.record("write", "composite")
        before.record("write", "sobjects")  # made before the block: not this block's
        assert spent() == {"read": 1, "write": 2, "auth": 0}
    CallCounter(("write",)).record("write", "sobjects")  # after it
    assert spent() == {"read": 1, "write": 2, "auth": 0}


def test_paging_fails_on_a_repeated_cursor():
    from concord.errors import FatalError

    pages = {"a": {"next": "b"}, "b": {"next": "a"}}
    paging = CursorPaging(lambda p: p["next"], system="x")
    with pytest.raises(FatalError, match="repeated"):
        list(paging.pages(lambda: {"next": "a"}, lambda c: pages[c]))


def test_datetime_is_aware_in_budget_clock_free_code():
    # parse_retry_after accepts a naive HTTP date by treating it as UTC (RFC says GMT)
    later = (NOW + timedelta(seconds=5)).strftime("%a, %d %b %Y %H:%M:%S")
    assert parse_retry_after(later + " GMT", NOW) == 5.0


def test_params_passed_beside_the_url_are_shown_by_key_only():
    shown = redact_url("https://h/services/data/v60.0/query/", {"q": "SELECT Name FROM Account"})
    assert shown == "https://h/services/data/v60.0/query/?q=***"

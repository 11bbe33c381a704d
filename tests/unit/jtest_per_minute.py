"""The per-minute allowance behind room joins and invitations, pushes, link previews and
upload slots (sparkweb.per_minute): a bucket per key refilling over a minute, 429 with a
Retry-After that is enough, exact under threads, bounded in memory. A fake clock moves time."""
from __future__ import absolute_import

import threading

from sparkweb import per_minute
from sparkweb.errors import TooManyRequests
from sparkweb.per_minute import PerMinute
from support import Clock, raised


def allowance(capacity, clock, **kwargs):
    setting = {"value": capacity}
    return PerMinute(lambda: setting["value"], clock, "things", **kwargs), setting


def test_capacity_then_429_with_a_retry_after_that_suffices():
    clock = Clock()
    limit, _ = allowance(30, clock)
    for number in range(30):
        assert raised(lambda: limit.take(u"alice")) is None, "take %d refused" % number
    refused = raised(lambda: limit.take(u"alice"))
    assert isinstance(refused, TooManyRequests) and refused.status == 429, repr(refused)
    assert "Too many things" in refused.message, refused.message
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 3, "one comes back every 2 s, Retry-After %d" % wait
    clock.advance(wait)
    assert raised(lambda: limit.take(u"alice")) is None, "not back after Retry-After"
    assert isinstance(raised(lambda: limit.take(u"alice")), TooManyRequests), \
        "refilled more than the time allowed"


def test_keys_are_apart_and_a_minute_refills_all():
    clock = Clock()
    limit, _ = allowance(2, clock)
    limit.take(u"alice")
    limit.take(u"alice")
    assert raised(lambda: limit.take(u"bob")) is None, "bob limited by alice"
    assert isinstance(raised(lambda: limit.take(u"alice")), TooManyRequests), "third take"
    clock.advance(60)
    for number in range(2):
        assert raised(lambda: limit.take(u"alice")) is None, "not refilled (%d)" % number


def test_a_changed_setting_applies_at_once():
    clock = Clock()
    limit, setting = allowance(1, clock)
    limit.take(u"alice")
    assert isinstance(raised(lambda: limit.take(u"alice")), TooManyRequests), "second take"
    setting["value"] = 100
    clock.advance(1)          # a hundredth of 100 a minute is back after 0.6 s
    assert raised(lambda: limit.take(u"alice")) is None, "the raised setting did not apply"


def test_threads_taking_at_once_get_exactly_the_capacity():
    clock = Clock()                    # frozen: nothing refills while the threads run
    limit, _ = allowance(50, clock)
    granted, refused = [], []
    start = threading.Event()

    def take_many():
        start.wait(10)
        for _ in range(20):
            try:
                limit.take(u"alice")
                granted.append(1)
            except TooManyRequests:
                refused.append(1)
    threads = [threading.Thread(target=take_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    start.set()
    for thread in threads:
        thread.join(30)
    assert not [thread for thread in threads if thread.is_alive()], "takes hung"
    assert (len(granted), len(refused)) == (50, 110), (len(granted), len(refused))


def test_memory_stays_bounded_by_forgetting_full_buckets():
    clock = Clock()
    limit, _ = allowance(5, clock, max_tracked=10)
    for number in range(10):
        limit.take(u"user%d" % number)
    clock.advance(61)
    for number in range(10, 30):
        limit.take(u"user%d" % number)
    assert limit.tracked() <= 10, "tracked %d, cap 10" % limit.tracked()
    clock.advance(61)
    limit.sweep()
    assert limit.tracked() == 0, "full buckets kept: %d" % limit.tracked()


def counting_sweeps():
    """Replaces per_minute.sweep_full by a counting wrapper; returns the count and the undo."""
    original, calls = per_minute.sweep_full, []

    def counted(buckets, now):
        calls.append(now)
        return original(buckets, now)
    per_minute.sweep_full = counted
    return calls, lambda: setattr(per_minute, "sweep_full", original)


def test_a_full_table_stays_full_size_and_is_swept_at_most_once_a_second():
    clock = Clock()
    limit, _ = allowance(5, clock, max_tracked=100)
    strict, _ = allowance(5, clock, max_tracked=100, refuse_when_full=True)
    for number in range(100):
        limit.take(u"user%d" % number)
        strict.take(u"user%d" % number)
    sweeps, undo = counting_sweeps()
    try:
        for number in range(100, 300):   # a flood of new keys within one second
            assert raised(lambda: limit.take(u"user%d" % number)) is None, "new key refused"
            refused = raised(lambda: strict.take(u"user%d" % number))
            assert isinstance(refused, TooManyRequests) and refused.headers["Retry-After"], \
                "a stranger's new key rang through a full table: %r" % refused
        assert limit.tracked() == 100 and strict.tracked() == 100, \
            "tables grew past their cap: %d, %d" % (limit.tracked(), strict.tracked())
        assert len(sweeps) == 2, "%d sweeps of a full table in one second (one per table " \
            "expected)" % len(sweeps)
        assert isinstance(raised(lambda: [limit.take(u"user7") for _ in range(5)]),
                          TooManyRequests), "a tracked key lost its limit when the table was full"
        clock.advance(61)             # the old buckets are idle and full again
        strict.take(u"newcomer")
        assert strict.tracked() == 1, "idle buckets not forgotten: %d" % strict.tracked()
    finally:
        undo()

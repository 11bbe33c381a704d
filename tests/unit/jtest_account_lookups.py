"""auth.accounts under concurrent requests: when a user's cached account answer runs out, one
request asks Openfire and the others wait for its answer (Openfire serialises those look-ups
per user, with a database query each)."""
from __future__ import absolute_import

from java.lang import Thread
from java.util.concurrent import CountDownLatch, TimeUnit
from java.util.concurrent.atomic import AtomicInteger

import time

from sparkweb.auth.accounts import ACCOUNT_CHECK_MILLIS, Accounts
from support import Clock, openfire_with_users

THREADS = 8


class SlowLockOuts(object):
    """Wraps a facade: counts lock-out look-ups and holds each until released."""

    def __init__(self, openfire):
        self._openfire = openfire
        self.calls = AtomicInteger()
        self.release = CountDownLatch(1)

    def is_locked_out(self, username):
        self.calls.incrementAndGet()
        assert self.release.await(20, TimeUnit.SECONDS), "never released"
        return self._openfire.is_locked_out(username)

    def __getattr__(self, name):
        return getattr(self._openfire, name)


def test_an_expired_answer_is_looked_up_once_for_all_waiting_requests():
    openfire, clock = openfire_with_users(), Clock()
    accounts = Accounts(openfire, clock)
    expected = accounts.id_for_sign_in(u"alice")
    assert accounts.current_id(u"alice") == expected, "the first answer"
    clock.advance(ACCOUNT_CHECK_MILLIS / 1000.0 + 1)      # the cached answer ran out
    slow = SlowLockOuts(openfire)
    accounts._openfire = slow
    answers, threads = [], []
    for _ in range(THREADS):
        thread = Thread(lambda: answers.append(accounts.current_id(u"alice")))
        thread.setDaemon(True)
        thread.start()
        threads.append(thread)
    deadline = time.time() + 20      # every thread inside the look-up or waiting for it
    while time.time() < deadline and (slow.calls.get() == 0 or any(
            thread.getState() == Thread.State.RUNNABLE for thread in threads)):
        Thread.sleep(10)
    slow.release.countDown()
    for thread in threads:
        thread.join(20000)
    assert slow.calls.get() == 1, "%d look-ups of one expired answer" % slow.calls.get()
    assert answers == [expected] * THREADS, "answers: %r" % answers


def test_a_password_change_during_a_look_up_is_not_hidden_by_it():
    """The waiters take the fresh answer; after an event the next check looks up again."""
    openfire, clock = openfire_with_users(), Clock()
    accounts = Accounts(openfire, clock)
    first = accounts.id_for_sign_in(u"alice")
    assert accounts.current_id(u"alice") == first, "the first answer"
    accounts.password_changed(u"alice")
    changed = accounts.current_id(u"alice")
    assert changed is not None and changed != first, "the id did not change: %r" % changed

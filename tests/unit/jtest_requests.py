"""IQ requests a session waits for (session.requests): who may answer, time-outs, late answers,
and waiters released when the session ends. Threads with time-outs: a hung wait fails."""
from __future__ import absolute_import

from java.lang import System, Thread
from java.util.concurrent import ConcurrentLinkedQueue, CountDownLatch, TimeUnit

from sparkweb import config
from sparkweb.errors import ServiceUnavailable
from sparkweb.session.requests import PendingRequests
from sparkweb.session.user_session import SessionEnded
from sparkweb.xmpp import roster
from sparkweb.xmpp.stanza import Stanza
from support import openfire_with_users, raised, services

BARE, DOMAIN, OWN = u"alice@example.test", u"example.test", u"alice@example.test/sparkweb"


def answer_to(iq, sender=None, type="result"):
    return Stanza("iq", type=type, id=iq.id, sender=sender)


def test_a_request_nobody_answers_times_out_and_leaves_nothing_pending():
    requests, iq = PendingRequests(), roster.roster_remove(u"bob@example.test")
    error = raised(lambda: requests.send_and_wait(iq, lambda sent: None, 1, OWN))
    assert isinstance(error, ServiceUnavailable), "no answer gave %r" % error
    assert requests.count() == 0, "a timed-out request stayed pending"


def test_a_late_answer_is_dropped_not_handed_on():
    requests, iq = PendingRequests(), roster.roster_remove(u"bob@example.test")
    raised(lambda: requests.send_and_wait(iq, lambda sent: None, 1, OWN))
    assert requests.answered(answer_to(iq)), "a late answer was handed on as a stanza"
    assert requests.count() == 0, "pending after the late answer: %d" % requests.count()


def test_only_the_own_account_the_server_or_the_addressee_may_answer():
    for sender in (None, BARE, DOMAIN, OWN, u"Alice@Example.test"):
        requests, iq = PendingRequests(), roster.roster_remove(u"bob@example.test")
        answer = requests.send_and_wait(iq, lambda sent: requests.answered(
            answer_to(sent, sender)), 5, OWN)
        assert answer is not None and answer.id == iq.id, "%r could not answer" % sender
    for sender in (u"mallory@example.test", u"alice@example.test/other", u"evil.test"):
        requests, iq = PendingRequests(), roster.roster_remove(u"bob@example.test")
        taken = []
        error = raised(lambda: requests.send_and_wait(iq, lambda sent: taken.append(
            requests.answered(answer_to(sent, sender))), 1, OWN))
        assert taken == [False], "%r's answer was consumed: %r" % (sender, taken)
        assert isinstance(error, ServiceUnavailable), "%r answered: %r" % (sender, error)


def test_abort_releases_every_waiter_at_once_and_refuses_later_requests():
    requests = PendingRequests()
    sent = CountDownLatch(2)
    started = System.currentTimeMillis()

    def wait():
        iq = roster.roster_remove(u"bob@example.test")
        return raised(lambda: requests.send_and_wait(iq, lambda stanza: sent.countDown(), 60,
                                                          OWN))
    waiters = [in_thread_started(wait) for _ in range(2)]
    assert getattr(sent, "await")(20, TimeUnit.SECONDS), "waiters did not send"
    requests.abort_all(SessionEnded(u"alice"))
    errors = [waiter(20) for waiter in waiters]
    assert all(isinstance(error, SessionEnded) for error in errors), errors
    assert System.currentTimeMillis() - started < 30000, "waiters sat out their time-out"
    assert requests.count() == 0, "pending after abort: %d" % requests.count()
    later = raised(lambda: requests.send_and_wait(roster.roster_remove(u"bob@example.test"),
                                                   lambda stanza: None, 60, OWN))
    assert isinstance(later, SessionEnded), "a request after the end waited: %r" % later


class SilentXmpp(object):
    """The session's XMPP connection with every IQ swallowed: the server never answers."""

    def __init__(self, inner, sent):
        self._inner, self._sent = inner, sent
        self.jid = inner.jid

    def send(self, stanza):
        if stanza.kind == "iq":
            self._sent.countDown()
            return
        self._inner.send(stanza)

    def close(self):
        self._inner.close()


def test_ending_the_session_releases_a_waiting_request_at_once():
    app = services(openfire_with_users())
    app.settings.set(config.SESSION_IQ_WAIT, u"120")
    session = app.sessions.get_or_start(u"alice")
    sent = CountDownLatch(1)
    session._xmpp = SilentXmpp(session._xmpp, sent)
    waiter = in_thread_started(lambda: raised(lambda: session.request(
        roster.roster_remove(u"bob@example.test"))))
    assert getattr(sent, "await")(20, TimeUnit.SECONDS), "the request was not sent"
    app.sessions.end(u"alice")
    error = waiter(20)      # before the fix: sits out the full wait while holding the session
    assert isinstance(error, SessionEnded), "the waiter got %r" % error
    assert session._requests.count() == 0, "a request stayed pending"


def in_thread_started(work):
    """Starts ``work()`` on a daemon thread now; the returned function waits (at most its
    argument, in seconds) for the result, and fails when the thread is still running."""
    result, done = ConcurrentLinkedQueue(), CountDownLatch(1)

    def body():
        try:
            result.add([work()])
        finally:
            done.countDown()
    thread = Thread(body)
    thread.setDaemon(True)
    thread.start()

    def outcome(timeout):
        assert getattr(done, "await")(timeout, TimeUnit.SECONDS), "still waiting after %ss" % \
            timeout
        return result.peek()[0]
    return outcome

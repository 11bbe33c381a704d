"""The global budget of request-body bytes being read (review finding 4): every outcome of a
body (dispatch, 413, 503, 408, client gone) gives its bytes back exactly once, also when the
container's callbacks race; a body that does not fit is answered 503 with Retry-After; the
public sign-in routes take small bodies only."""
from __future__ import absolute_import

from java.io import IOException
from java.lang import Thread
from java.util.concurrent import CountDownLatch, TimeUnit

from sparkweb import config
from sparkweb.http.body_budget import BodyBudget
from sparkweb.http.body_reader import body_limit
from jtest_body_reader import FakeAsync, reader
from sparkweb.http.body_reader import BodyReader


def ends(name, budget, settle):
    """Reads 6 bytes of a body into ``budget``, then ``settle``s it and throws every other
    callback after it; the budget must be empty after the first and stay so."""
    body, async_context = reader([b"123", b"456"], ended=False, budget=budget)
    body.onDataAvailable()
    assert budget.held() == 6, "%s: %d bytes held while reading, not 6" % (name, budget.held())
    settle(body)
    assert budget.held() == 0, "%s: %d bytes held after the outcome" % (name, budget.held())
    body.onAllDataRead()
    body.onTimeout(None)
    body.onError(IOException("gone"))
    body.onComplete(None)
    assert budget.held() == 0, "%s: %d bytes held after more callbacks (given back twice?)" \
        % (name, budget.held())
    return async_context


def test_every_outcome_gives_the_bytes_back_exactly_once():
    budget = BodyBudget()
    outcomes = {
        "dispatch": lambda body: body.onAllDataRead(),
        "408": lambda body: body.onTimeout(None),
        "client gone": lambda body: body.onError(IOException("Early EOF")),
        "completed by the container": lambda body: body.onComplete(None),
    }
    for name, settle in sorted(outcomes.items()):
        ends(name, budget, settle)


def test_a_body_over_its_limit_gives_its_bytes_back():
    budget = BodyBudget()
    body, async_context = reader([b"123456", b"789012"], ended=False, limit=10, budget=budget)
    body.onDataAvailable()
    body.onTimeout(None)
    body.onComplete(None)
    assert async_context.response.status == 413, async_context.response.status
    assert budget.held() == 0, "%d bytes held after a 413" % budget.held()


def test_a_body_that_does_not_fit_is_503_with_retry_after_and_the_others_keep_theirs():
    budget = BodyBudget()
    first, _ = reader([b"1234567"], ended=False, limit=20, budget=budget, budget_limit=10)
    first.onDataAvailable()
    second, async_context = reader([b"12", b"3456"], ended=False, limit=20, budget=budget,
                                   budget_limit=10)
    second.onDataAvailable()
    response = async_context.response
    assert response.status == 503, response.status
    assert response.headers.get("Retry-After") == "3", response.headers
    assert response.headers.get("Connection") == "close", response.headers
    assert u'"service_unavailable"' in response.text(), response.text()
    assert (async_context.dispatched, async_context.completed) == (0, 1), \
        (async_context.dispatched, async_context.completed)
    assert budget.held() == 7, "the refused body's bytes are held: %d" % budget.held()
    first.onAllDataRead()
    assert budget.held() == 0, "%d bytes held after both ended" % budget.held()
    third, async_context = reader([b"123456789"], ended=True, limit=20, budget=budget,
                                  budget_limit=10)
    third.onDataAvailable()
    third.onAllDataRead()
    assert async_context.dispatched == 1, "the budget did not recover: %r" % \
        async_context.response.status


class EndlessInput(object):
    """Always has one more byte; counts down ``reading`` after ``after`` reads, so the test
    can fire the deadline while the reader is in the middle of the body."""

    def __init__(self, reading, after):
        self._reading = reading
        self._after = after
        self.reads = 0

    def isReady(self):
        return True

    def read(self, buffer):
        self.reads += 1
        if self.reads == self._after:
            self._reading.countDown()
        buffer[0] = 120
        return 1


def run(action, name):
    thread = Thread(action, name)
    thread.start()
    return thread


def test_the_deadline_racing_the_data_gives_everything_back_once():
    budget = BodyBudget()
    for round_number in range(40):
        reading, go = CountDownLatch(1), CountDownLatch(1)
        async_context = FakeAsync()
        body = BodyReader(async_context, EndlessInput(reading, 50), 1 << 30, 3,
                          budget.reservation(1 << 40))

        def deadline():
            go.await(20, TimeUnit.SECONDS)
            body.onTimeout(None)
        timer = run(deadline, "deadline")
        data = run(body.onDataAvailable, "data")
        assert reading.await(20, TimeUnit.SECONDS), "round %d: no data read" % round_number
        go.countDown()
        for thread in (timer, data):
            thread.join(20000)
            assert not thread.isAlive(), "round %d: %s hung" % (round_number, thread.getName())
        assert async_context.response.status == 408, (round_number, async_context.response.status)
        assert budget.held() == 0, "round %d: %d bytes held after the deadline" % (
            round_number, budget.held())


def test_reservations_growing_and_closing_at_once_leave_nothing_held():
    budget = BodyBudget()
    threads, start = [], CountDownLatch(1)
    for number in range(8):
        reservation = budget.reservation(1 << 40)

        def grow(reservation=reservation):
            start.await(20, TimeUnit.SECONDS)
            for _ in range(2000):
                reservation.grow(3)

        def close(reservation=reservation):
            start.await(20, TimeUnit.SECONDS)
            reservation.close()
            reservation.close()
        threads += [run(grow, "grow-%d" % number), run(close, "close-%d" % number)]
    start.countDown()
    for thread in threads:
        thread.join(30000)
        assert not thread.isAlive(), "%s hung" % thread.getName()
    assert budget.held() == 0, "%d bytes held after every reservation closed" % budget.held()


class Settings(object):
    def __init__(self, values):
        self._values = values

    def get(self, setting):
        return self._values.get(setting.key, setting.default)


def test_the_public_sign_in_routes_take_small_bodies_only():
    settings = Settings({})
    small, large = config.SIGN_IN_BODY_BYTES.default, config.MAX_BODY_BYTES.default
    assert small <= 64 * 1024 < large, (small, large)
    for path in ("/login/alice", "/webauthn/register/finish/alice",
                 "/webauthn/authenticate/finish/alice", "/webauthn/authenticate/start/alice"):
        assert body_limit(settings, path) == small, (path, body_limit(settings, path))
    for path in ("/config/properties", "/chat/bob@example.test", None):
        assert body_limit(settings, path) == large, (path, body_limit(settings, path))
    lower = Settings({config.MAX_BODY_BYTES.key: 4096})
    assert body_limit(lower, "/login/alice") == 4096, "the general limit is not the ceiling"

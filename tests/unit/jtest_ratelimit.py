"""Failed-login limits and the client address behind trusted proxies."""
from __future__ import absolute_import

from java.lang import Throwable
from java.util.concurrent import Callable, CountDownLatch, Executors, TimeUnit
from java.util.concurrent.atomic import AtomicInteger

from sparkweb import config
from sparkweb.auth import ratelimit
from sparkweb.auth.ratelimit import LoginLimiter
from sparkweb.errors import TooManyRequests, Unauthorized
from sparkweb.http.client_address import client_address
from support import Clock, openfire_with_users, services


def refused(limiter, username, address):
    try:
        limiter.check(username, address)
    except TooManyRequests as error:
        return error
    return None


def limiter_and_clock():
    clock = Clock()
    app = services(openfire_with_users(), clock)
    return LoginLimiter(app.settings, lambda: clock() / 1000.0), clock, app.settings


def test_user_limit_refuses_with_retry_after_until_the_window_passes():
    limiter, clock, settings = limiter_and_clock()
    for _ in range(settings.get(config.LOGIN_FAILURES_PER_USER)):
        assert refused(limiter, u"alice", u"10.0.0.1") is None, "refused below the limit"
        limiter.attempt(u"alice", u"10.0.0.1")   # counted; a failure leaves it counted
    error = refused(limiter, u"alice", u"10.0.0.2")
    assert error is not None and error.status == 429, "limit not enforced"
    retry = int(error.headers["Retry-After"])
    assert 0 < retry <= settings.get(config.LOGIN_WINDOW) + 1, "Retry-After %s" % retry
    clock.advance(retry)
    assert refused(limiter, u"alice", u"10.0.0.2") is None, "still refused after Retry-After"


def test_address_limit_spans_usernames_and_success_does_not_reset_it():
    limiter, clock, settings = limiter_and_clock()
    for number in range(settings.get(config.LOGIN_FAILURES_PER_ADDRESS)):
        limiter.attempt(u"user%d" % number, u"10.0.0.9")
    assert refused(limiter, u"alice", u"10.0.0.9") is not None, "address limit not enforced"
    assert refused(limiter, u"alice", u"10.0.0.8") is None, "other address refused"


def test_a_success_gives_its_attempt_back_and_resets_only_the_username():
    limiter, clock, settings = limiter_and_clock()
    for _ in range(settings.get(config.LOGIN_FAILURES_PER_USER) - 1):
        limiter.attempt(u"alice", u"10.0.1.1")
    limiter.succeeded(limiter.attempt(u"alice", u"10.0.1.2"))
    for _ in range(settings.get(config.LOGIN_FAILURES_PER_USER)):
        assert refused(limiter, u"alice", u"10.0.1.3") is None, "the username was not reset"
        limiter.attempt(u"alice", u"10.0.1.3")
    for number in range(settings.get(config.LOGIN_FAILURES_PER_ADDRESS) - 1):
        limiter.attempt(u"u%d" % number, u"10.0.2.1")
    limiter.succeeded(limiter.attempt(u"bob", u"10.0.2.1"))
    assert refused(limiter, u"carol", u"10.0.2.1") is None, "a success counted for its address"
    limiter.withdraw(limiter.attempt(u"carol", u"10.0.2.1"))
    assert refused(limiter, u"dave", u"10.0.2.1") is None, "a withdrawn attempt counted"
    limiter.attempt(u"dave", u"10.0.2.1")
    assert refused(limiter, u"erin", u"10.0.2.1") is not None, "address limit not enforced"


def login_error(app, username, password, address):
    """What a login raises (None when it succeeds); a Java error fails the test here."""
    try:
        app.authenticator.login(username, password, address)
    except (Unauthorized, TooManyRequests) as error:
        return error
    return None


def test_login_through_the_authenticator_counts_failures():
    app = services()
    for attempt in range(app.settings.get(config.LOGIN_FAILURES_PER_USER)):
        error = login_error(app, u"bob", u"wrong", u"10.1.1.1")
        assert isinstance(error, Unauthorized) and error.status == 401, \
            "wrong password %d answered %r" % (attempt + 1, error)
    error = login_error(app, u"bob", u"bob-pw", u"10.1.1.1")
    assert isinstance(error, TooManyRequests), \
        "right password while rate-limited answered %r (None: signed in)" % error


GUESSES = 64


class _Guess(Callable):
    def __init__(self, app, address, settled):
        self._app, self._address, self._settled = app, address, settled

    def call(self):
        error = login_error(self._app, u"bob", u"wrong", self._address)
        if isinstance(error, TooManyRequests):
            self._settled.countDown()   # refused before the password check
        return error.status if error is not None else 200


def test_parallel_wrong_guesses_never_pass_the_limit():
    """Guesses in flight count: the limit holds even when none has failed yet (each password
    check is held open until every guess has either reached it or been refused)."""
    openfire = openfire_with_users()
    app = services(openfire)
    limit = app.settings.get(config.LOGIN_FAILURES_PER_USER)
    arrived, gate, settled = AtomicInteger(), CountDownLatch(1), CountDownLatch(GUESSES)
    real_check = openfire.authenticate

    def held_check(username, password):
        arrived.incrementAndGet()
        settled.countDown()
        gate.await(20, TimeUnit.SECONDS)
        return real_check(username, password)
    openfire.authenticate = held_check
    pool = Executors.newFixedThreadPool(GUESSES)
    try:
        futures = [pool.submit(_Guess(app, u"10.3.%d.%d" % (n // 200, n % 200), settled))
                   for n in range(GUESSES)]
        assert settled.await(30, TimeUnit.SECONDS), "guesses neither checked nor refused"
        assert arrived.get() <= limit, "%d parallel guesses reached the password check " \
            "(limit %d)" % (arrived.get(), limit)
        gate.countDown()
        statuses = [future.get(30, TimeUnit.SECONDS) for future in futures]
    finally:
        gate.countDown()
        pool.shutdownNow()
    assert statuses.count(401) == limit and statuses.count(429) == GUESSES - limit, \
        "statuses %r" % sorted(statuses)
    assert isinstance(login_error(app, u"bob", u"bob-pw", u"10.4.0.1"), TooManyRequests), \
        "the right password got through after the parallel guesses"


def test_a_full_table_never_forgets_a_live_counter():
    """Many addresses and names beyond the table's cap: expired counters go, a victim's live
    counter stays, and the table stays within its cap."""
    saved = ratelimit.MAX_TRACKED_KEYS
    ratelimit.MAX_TRACKED_KEYS = 100
    try:
        clock = Clock()
        app = services(openfire_with_users(), clock)
        limit = app.settings.get(config.LOGIN_FAILURES_PER_USER)
        for n in range(300):   # stale noise, expired by the time the attack starts
            login_error(app, u"old%d" % n, u"wrong", u"10.5.%d.%d" % (n // 200, n % 200))
        clock.advance(app.settings.get(config.LOGIN_WINDOW) + 1)
        for _ in range(limit - 1):
            login_error(app, u"bob", u"wrong", u"10.6.0.1")
        for n in range(1000):
            error = login_error(app, u"x%d" % n, u"wrong", u"10.7.%d.%d" % (n // 200, n % 200))
            assert error is not None, "a guess signed in"
        assert isinstance(login_error(app, u"bob", u"wrong", u"10.6.0.2"), Unauthorized), \
            "bob's last allowed try was refused"
        assert isinstance(login_error(app, u"bob", u"bob-pw", u"10.6.0.3"), TooManyRequests), \
            "bob's failures were forgotten when the table filled"
        assert app.limiter.tracked_keys() <= 100, "%d keys tracked" % app.limiter.tracked_keys()
    finally:
        ratelimit.MAX_TRACKED_KEYS = saved


class FakeServletRequest(object):
    def __init__(self, peer, forwarded=None):
        self._peer = peer
        self._forwarded = forwarded

    def getRemoteAddr(self):
        return self._peer

    def getHeader(self, name):
        return self._forwarded if name == "X-Forwarded-For" else None


def test_forwarded_for_is_believed_only_from_trusted_proxies():
    app = services()
    spoofed = FakeServletRequest(u"203.0.113.5", u"198.51.100.1")
    assert client_address(spoofed, app.settings) == u"203.0.113.5", "spoofable header believed"
    app.settings.set(config.TRUSTED_PROXIES, u"127.0.0.1")
    proxied = FakeServletRequest(u"127.0.0.1", u"198.51.100.7, 192.0.2.4")
    assert client_address(proxied, app.settings) == u"192.0.2.4", "proxy's last hop not used"

"""Failed-login limits and the client address behind trusted proxies."""
from __future__ import absolute_import

from sparkweb import config
from sparkweb.auth.ratelimit import LoginLimiter
from sparkweb.errors import TooManyRequests
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
        limiter.failed(u"alice", u"10.0.0.1")
    error = refused(limiter, u"alice", u"10.0.0.2")
    assert error is not None and error.status == 429, "limit not enforced"
    retry = int(error.headers["Retry-After"])
    assert 0 < retry <= settings.get(config.LOGIN_WINDOW) + 1, "Retry-After %s" % retry
    clock.advance(retry)
    assert refused(limiter, u"alice", u"10.0.0.2") is None, "still refused after Retry-After"


def test_address_limit_spans_usernames_and_success_does_not_reset_it():
    limiter, clock, settings = limiter_and_clock()
    for number in range(settings.get(config.LOGIN_FAILURES_PER_ADDRESS)):
        limiter.failed(u"user%d" % number, u"10.0.0.9")
    limiter.succeeded(u"alice")
    assert refused(limiter, u"alice", u"10.0.0.9") is not None, "address limit not enforced"
    assert refused(limiter, u"alice", u"10.0.0.8") is None, "other address refused"


def test_login_through_the_authenticator_counts_failures():
    app = services()
    for _ in range(app.settings.get(config.LOGIN_FAILURES_PER_USER)):
        try:
            app.authenticator.login(u"bob", u"wrong", u"10.1.1.1")
        except Exception:
            pass
    try:
        app.authenticator.login(u"bob", u"bob-pw", u"10.1.1.1")
        assert False, "right password accepted while the user is rate-limited"
    except TooManyRequests:
        pass


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

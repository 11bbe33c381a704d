"""Turning a request's credentials into a signed-in username.

The ``Authorization`` header carries the raw token (as the earlier plugin's pages send it) or
``Bearer <token>``; the SSE endpoint also takes ``?token=`` because EventSource cannot set
headers. Every check failing gives the same 401, so a caller learns nothing about why.
"""
from __future__ import absolute_import

from java.util.concurrent import ConcurrentHashMap

from sparkweb.errors import Unauthorized


def token_from_header(value):
    if value is None:
        return None
    scheme, _, rest = value.strip().partition(u" ")
    if scheme.lower() == u"bearer":
        return rest.strip() or None
    return value.strip() or None


# How long "this account exists and is not locked out" is trusted before Openfire is asked
# again: a lookup in LockOutManager cost a tenth of a REST call. Deletion or lockout takes
# effect within this time.
ACCOUNT_CHECK_MILLIS = 5000


class Authenticator(object):
    def __init__(self, openfire, tokens, revocations, limiter, clock):
        self._openfire = openfire
        self._tokens = tokens
        self._revocations = revocations
        self._limiter = limiter
        self._clock = clock
        self._usable_until = ConcurrentHashMap()   # username -> millis

    def authenticate(self, token):
        """The :class:`~sparkweb.auth.tokens.Claims` of a usable token, else Unauthorized."""
        if not token:
            raise Unauthorized()
        claims = self._tokens.verify(token)
        if not self._account_usable(claims.username):
            raise Unauthorized()
        if self._revocations.is_revoked(claims):
            raise Unauthorized()
        return claims

    def _account_usable(self, username):
        now = self._clock()
        until = self._usable_until.get(username)
        if until is not None and until > now:
            return True
        usable = self._openfire.get_user(username) is not None and \
            not self._openfire.is_locked_out(username)
        if usable:
            self._usable_until.put(username, now + ACCOUNT_CHECK_MILLIS)
        else:
            self._usable_until.remove(username)
        return usable

    def login(self, username, password, address=None):
        """A fresh token for a correct password; the same 401 for unknown users and bad ones,
        429 once too many logins failed for the username or the address."""
        self.check_password(username, password, address)
        return self._tokens.issue(username)

    def check_password(self, username, password, address=None):
        """Returns when the password is right for a usable account; else 401 (or 429)."""
        def verify():
            if not username or not password or \
                    not self._openfire.authenticate(username, password):
                raise Unauthorized("Wrong username or password.")
        self.guarded(username, address, verify)

    def sign_in(self, username, address, verify):
        """A fresh token once ``verify()`` (a passkey assertion, say) returns for a usable
        account, under the same failure limits as passwords."""
        self.guarded(username, address, verify)
        return self._tokens.issue(username)

    def guarded(self, username, address, verify):
        """Runs a credential check that raises Unauthorized when wrong: refused with 429 after
        too many failures for the username or the address; a locked-out account fails too."""
        self._limiter.check(username, address)
        try:
            verify()
            if self._openfire.is_locked_out(username):
                raise Unauthorized("Wrong username or password.")
        except Unauthorized:
            self._limiter.failed(username, address)
            raise
        self._limiter.succeeded(username)

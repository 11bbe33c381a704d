"""Turning a request's credentials into a signed-in username.

The ``Authorization`` header carries the raw token (as the earlier plugin's pages send it) or
``Bearer <token>``; the SSE endpoint also takes ``?token=`` because EventSource cannot set
headers. Every check failing gives the same 401, so a caller learns nothing about why.
"""
from __future__ import absolute_import

from java.lang import Throwable

from sparkweb.errors import Unauthorized


def token_from_header(value):
    if value is None:
        return None
    scheme, _, rest = value.strip().partition(u" ")
    if scheme.lower() == u"bearer":
        return rest.strip() or None
    return value.strip() or None


WRONG_CREDENTIALS = "Wrong username or password."


class Authenticator(object):
    """Sign-ins (password, passkey), renewals, and the check of every presented token.

    Usernames given to it are normalised (auth.usernames), which the request pipeline does
    once where a request enters; a token's subject is normalised by construction.
    """

    def __init__(self, openfire, tokens, revocations, limiter, accounts):
        self._openfire = openfire
        self._tokens = tokens
        self._revocations = revocations
        self._limiter = limiter
        self._accounts = accounts

    def authenticate(self, token):
        """The :class:`~sparkweb.auth.tokens.Claims` of a usable token, else Unauthorized:
        validly signed and unexpired, issued for the account that has the name now (not
        deleted, re-created, locked out, or with a password changed since), not revoked."""
        if not token:
            raise Unauthorized()
        claims = self._tokens.verify(token)
        if claims.account != self._accounts.current_id(claims.username):
            raise Unauthorized()
        if self._revocations.is_revoked(claims):
            raise Unauthorized()
        return claims

    def still_valid(self, claims, revocation=True):
        """Whether claims verified earlier (an event stream's, say) would still authenticate:
        unexpired, for the account's current id, and (if ``revocation``) not revoked. Without
        the revocation check it costs only the account id, which is cached for a while."""
        if self._tokens.expired(claims):
            return False
        if claims.account != self._accounts.current_id(claims.username):
            return False
        return not (revocation and self._revocations.is_revoked(claims))

    def login(self, username, password, address=None):
        """A fresh token for a correct password; the same 401 for unknown users and bad ones,
        429 once too many logins failed for the username or the address."""
        self.check_password(username, password, address)
        return self._issue(username)

    def check_password(self, username, password, address=None):
        """Returns when the password is right for a usable account; else 401 (or 429)."""
        def verify():
            if not username or not password or \
                    not self._openfire.authenticate(username, password):
                raise Unauthorized(WRONG_CREDENTIALS)
        self.guarded(username, address, verify)

    def sign_in(self, username, address, verify):
        """A fresh token once ``verify()`` (a passkey assertion) returns for a usable account.
        Failures count against the address only: a signature cannot be guessed, and counting
        them against the username would let strangers lock its owner out (see auth.ratelimit).
        """
        self.guarded(username, address, verify, per_user=False)
        return self._issue(username)

    def renew(self, claims):
        """A fresh token for the holder of verified ``claims``, within its chain's maximum
        age."""
        return self._tokens.renew(claims)

    def guarded(self, username, address, verify, per_user=True):
        """Runs a credential check that raises Unauthorized when wrong: refused with 429 after
        too many failures for the username (if ``per_user``) or the address; a locked-out
        account fails too. The attempt counts before the check runs (see auth.ratelimit); only
        an Unauthorized keeps it counted."""
        attempt = self._limiter.attempt(username, address, per_user)
        try:
            verify()
            if self._openfire.is_locked_out(username):
                raise Unauthorized(WRONG_CREDENTIALS)
        except Unauthorized:
            raise
        except (Exception, Throwable):   # bad input or an outage: not a wrong credential
            self._limiter.withdraw(attempt)
            raise
        self._limiter.succeeded(attempt)

    def _issue(self, username):
        return self._tokens.issue(username, self._accounts.id_for_sign_in(username))

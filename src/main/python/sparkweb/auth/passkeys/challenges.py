"""Outstanding WebAuthn challenges: random, single use, bound to a user and a ceremony, and
expiring after ``sparkweb.webauthn.challengeSeconds``."""
from __future__ import absolute_import

from java.util.concurrent import ConcurrentHashMap, ConcurrentLinkedDeque
from java.util.function import Function, Predicate

from sparkweb.errors import TooManyRequests
from sparkweb.secure_random import base64url as encode, random_bytes

REGISTER, AUTHENTICATE = "register", "authenticate"
CHALLENGE_BYTES = 32
# Bounds on memory for unauthenticated starts: per user and ceremony (the oldest challenge
# makes way; a user rarely has more than a few tabs signing in) and for all users together.
MAX_CHALLENGES_PER_USER = 8
MAX_PENDING_CHALLENGES = 50000


class Challenges(object):
    """Outstanding challenges: ``ceremony|username|challenge`` -> expiry (epoch millis)."""

    def __init__(self, clock):
        self._clock = clock
        self._pending = ConcurrentHashMap()
        self._by_user = ConcurrentHashMap()   # ceremony|username -> deque of keys, oldest first

    def issue(self, username, ceremony, lifetime_seconds):
        """A new challenge (byte[]) for that user and ceremony."""
        if self._pending.size() >= MAX_PENDING_CHALLENGES:
            self.sweep()
            if self._pending.size() >= MAX_PENDING_CHALLENGES:
                raise TooManyRequests("Too many passkey ceremonies in progress; try again soon.",
                                      {"Retry-After": "10"})
        challenge = random_bytes(CHALLENGE_BYTES)
        key = self._key(username, ceremony, encode(challenge))
        self._pending.put(key, self._clock() + lifetime_seconds * 1000)
        self._remember(username, ceremony, key)
        return challenge

    def _remember(self, username, ceremony, key):
        """Keeps at most MAX_CHALLENGES_PER_USER per user and ceremony, so that starts for
        one account (anyone may start a sign-in) cannot crowd out everyone else's."""
        owner = u"%s|%s" % (ceremony, username)
        keys = self._by_user.computeIfAbsent(owner, _new_deque)
        keys.add(key)
        while keys.size() > MAX_CHALLENGES_PER_USER:
            oldest = keys.poll()
            if oldest is not None:
                self._pending.remove(oldest)

    def take(self, username, ceremony, challenge_text):
        """True, once, for a challenge issued to that user for that ceremony and not expired."""
        expires = self._pending.remove(self._key(username, ceremony, challenge_text))
        return expires is not None and expires >= self._clock()

    def sweep(self):
        now = self._clock()
        for entry in list(self._pending.entrySet()):
            if entry.getValue() < now:
                self._pending.remove(entry.getKey(), entry.getValue())
        for entry in list(self._by_user.entrySet()):
            keys = entry.getValue()
            keys.removeIf(_Missing(self._pending))
            if keys.isEmpty():
                self._by_user.remove(entry.getKey(), keys)

    @staticmethod
    def _key(username, ceremony, challenge_text):
        return u"%s|%s|%s" % (ceremony, username, challenge_text)


class _NewDeque(Function):
    def apply(self, _):
        return ConcurrentLinkedDeque()


_new_deque = _NewDeque()


class _Missing(Predicate):
    """True for keys no longer pending (used, expired or crowded out)."""

    def __init__(self, pending):
        self._pending = pending

    def test(self, key):
        return not self._pending.containsKey(key)

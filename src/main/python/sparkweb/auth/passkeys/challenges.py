"""WebAuthn challenges that need no table of pending ceremonies.

A challenge carries its own expiry and a MAC, made with the installation's secret, over that
expiry, a random nonce, the ceremony and the username::

    version (1 byte) | expiry, epoch millis (8) | nonce (16) | HMAC-SHA256, truncated (16)

So a challenge is valid only for the user and the ceremony it was issued for, until it expires,
and nothing is stored when one is issued: anyone may start ceremonies for any name without
crowding out someone else's pending one or filling a table. A challenge is used once: the
ceremony marks it used when the credential has verified, and that mark is the only state kept,
until the challenge would have expired anyway.

Marks are kept per user and bounded per user (:data:`MAX_USED_PER_USER`), so one user's
ceremonies can never stop another's. Each mark needs a verified credential of a real account
(and starts are limited per user), so only real ceremonies make them; the total is bounded too:
past :data:`MAX_USED_TOTAL`, only users already holding :data:`FAIR_SHARE` marks are refused, so
memory stays below that total plus a few marks per account, and nobody who completes a
ceremony now and then is ever refused for what others did.

In an Openfire cluster (issue 17, item 5) a ceremony may start on one node and finish on
another: the challenge verifies anywhere (the secret is a shared property). A challenge must
still be used once in the whole cluster, so each use is also taken, atomically under the
cluster-wide lock of its key, from a cache every node sees (``shared``); the marks above keep
bounding what one node remembers. The shared cache forgets by Openfire's size and lifetime
limits, after which the node's own marks still refuse a replay there.
"""
from __future__ import absolute_import

from java.lang import IllegalArgumentException
from java.nio import ByteBuffer
from java.security import MessageDigest
from java.util import Arrays, Base64
from java.util.concurrent import ConcurrentHashMap
from java.util.concurrent.atomic import AtomicInteger
from java.util.function import BiFunction

from sparkweb.errors import TooManyRequests
from sparkweb.secure_random import base64url as encode, random_bytes

REGISTER, AUTHENTICATE = "register", "authenticate"
VERSION = 1
NONCE_BYTES = 16
MAC_BYTES = 16
_SIGNED_BYTES = 1 + 8 + NONCE_BYTES
CHALLENGE_BYTES = _SIGNED_BYTES + MAC_BYTES
# Used challenges remembered until they expire: at most this many per user at once (far more
# than the start limits let one user complete within a challenge's lifetime)...
MAX_USED_PER_USER = 1000
# ... and past this many in all, none more for a user who already holds FAIR_SHARE.
MAX_USED_TOTAL = 100000
FAIR_SHARE = 10
_RETRY = {"Retry-After": "10"}


class Challenges(object):
    def __init__(self, secret, clock, max_per_user=MAX_USED_PER_USER, max_total=MAX_USED_TOTAL,
                 shared=None):
        self._secret = secret
        self._shared = shared   # the facade's shared_cache: "username|mark" -> expiry
        self._clock = clock
        self._max_per_user = max_per_user
        self._max_total = max_total
        # username -> {expiry|nonce (base64url): expiry millis}; a user's dict is changed only
        # inside ConcurrentHashMap.compute for that user, so each change is atomic.
        self._used = ConcurrentHashMap()
        self._total = AtomicInteger()

    def issue(self, username, ceremony, lifetime_seconds):
        """A new challenge (byte[]) for that user and ceremony."""
        signed = ByteBuffer.allocate(_SIGNED_BYTES)
        signed.put(VERSION).putLong(self._clock() + lifetime_seconds * 1000)
        signed.put(random_bytes(NONCE_BYTES))
        challenge = ByteBuffer.allocate(CHALLENGE_BYTES)
        challenge.put(signed.array()).put(self._mac(username, ceremony, signed.array()))
        return challenge.array()

    def is_valid(self, username, ceremony, challenge_text):
        """True for a challenge issued for that user and ceremony, not expired, not used."""
        parsed = self._parse(username, ceremony, challenge_text)
        if parsed is None:
            return False
        marks = self._used.get(username)
        if marks is not None and parsed[0] in marks:
            return False
        return self._shared is None or self._shared.get(_key(username, parsed[0])) is None

    def use(self, username, ceremony, challenge_text):
        """Marks a valid challenge used; True only for the first of any number of concurrent
        calls. 429 when that user has too many challenges marked at once (see above)."""
        parsed = self._parse(username, ceremony, challenge_text)
        if parsed is None or not self._take_shared(username, parsed[0], parsed[1]):
            return False
        marking = _Mark(parsed[0], parsed[1], self._clock(), self)
        self._used.compute(username, marking)
        if marking.full:
            raise TooManyRequests("Too many passkey ceremonies at once; try again soon.", _RETRY)
        return marking.added

    def _take_shared(self, username, mark, expiry):
        """True for the first use of ``mark`` on any node of the cluster."""
        if self._shared is None:
            return True
        key = _key(username, mark)
        lock = self._shared.lock(key)
        lock.lock()
        try:
            if self._shared.get(key) is not None:
                return False
            self._shared.put(key, unicode(expiry))
            return True
        finally:
            lock.unlock()

    def sweep(self):
        """Forgets used challenges that have expired (housekeeping)."""
        now = self._clock()
        for username in list(self._used.keySet()):
            self._used.computeIfPresent(username, _Sweep(now, self._total))

    def used_count(self):
        return self._total.get()

    def _parse(self, username, ceremony, challenge_text):
        """(mark, expiry) of a genuine, unexpired challenge; None for anything else."""
        try:
            raw = Base64.getUrlDecoder().decode(challenge_text.rstrip(u"="))
        except IllegalArgumentException:
            return None
        if len(raw) != CHALLENGE_BYTES or raw[0] != VERSION:
            return None
        signed = Arrays.copyOfRange(raw, 0, _SIGNED_BYTES)
        mac = Arrays.copyOfRange(raw, _SIGNED_BYTES, CHALLENGE_BYTES)
        if not MessageDigest.isEqual(mac, self._mac(username, ceremony, signed)):
            return None
        expiry = ByteBuffer.wrap(raw, 1, 8).getLong()
        if expiry < self._clock():
            return None
        return encode(Arrays.copyOfRange(raw, 1, _SIGNED_BYTES)), expiry

    def _mac(self, username, ceremony, signed):
        return Arrays.copyOf(self._secret.mac(u"webauthn challenge", ceremony, username, signed),
                             MAC_BYTES)


def _key(username, mark):
    return u"%s|%s" % (username, mark)


def _forget_expired(marks, now, total):
    for mark, expiry in marks.items():
        if expiry < now:
            del marks[mark]
            total.decrementAndGet()


class _Mark(BiFunction):
    """Adds one mark to a user's marks, room permitting; runs inside ConcurrentHashMap.compute,
    so it is atomic for that user."""

    def __init__(self, mark, expiry, now, challenges):
        self._mark = mark
        self._expiry = expiry
        self._now = now
        self._challenges = challenges
        self.added = self.full = False

    def apply(self, username, marks):
        marks = marks if marks is not None else {}
        if self._mark in marks:
            return marks
        total = self._challenges._total
        if self._no_room(marks, total):
            _forget_expired(marks, self._now, total)
            if self._no_room(marks, total):
                self.full = True
                return marks or None
        marks[self._mark] = self._expiry
        total.incrementAndGet()
        self.added = True
        return marks

    def _no_room(self, marks, total):
        return len(marks) >= self._challenges._max_per_user or (
            len(marks) >= FAIR_SHARE and total.get() >= self._challenges._max_total)


class _Sweep(BiFunction):
    """Forgets a user's expired marks (and the user, when none is left)."""

    def __init__(self, now, total):
        self._now = now
        self._total = total

    def apply(self, username, marks):
        _forget_expired(marks, self._now, self._total)
        return marks or None

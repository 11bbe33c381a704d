"""WebAuthn challenges that need no table of pending ceremonies.

A challenge carries its own expiry and a MAC, made with the installation's secret, over that
expiry, a random nonce, the ceremony and the username::

    version (1 byte) | expiry, epoch millis (8) | nonce (16) | HMAC-SHA256, truncated (16)

So a challenge is valid only for the user and the ceremony it was issued for, until it expires,
and nothing is stored when one is issued: anyone may start ceremonies for any name without
crowding out someone else's pending one or filling a table. A challenge is used once: the
ceremony marks it used when the credential has verified, and that mark is the only state kept,
until the challenge would have expired anyway. Marks are bounded (they need a verified
credential each, so only real ceremonies make them).
"""
from __future__ import absolute_import

from java.lang import IllegalArgumentException
from java.nio import ByteBuffer
from java.security import MessageDigest
from java.util import Arrays, Base64
from java.util.concurrent import ConcurrentHashMap

from sparkweb.errors import TooManyRequests
from sparkweb.secure_random import base64url as encode, random_bytes

REGISTER, AUTHENTICATE = "register", "authenticate"
VERSION = 1
NONCE_BYTES = 16
MAC_BYTES = 16
_SIGNED_BYTES = 1 + 8 + NONCE_BYTES
CHALLENGE_BYTES = _SIGNED_BYTES + MAC_BYTES
# Used challenges remembered until they expire; at most this many at once.
MAX_USED_CHALLENGES = 100000


class Challenges(object):
    def __init__(self, secret, clock, max_used=MAX_USED_CHALLENGES):
        self._secret = secret
        self._clock = clock
        self._max_used = max_used
        self._used = ConcurrentHashMap()   # expiry|nonce (base64url) -> expiry millis

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
        return parsed is not None and not self._used.containsKey(parsed[0])

    def use(self, username, ceremony, challenge_text):
        """Marks a valid challenge used; True only for the first of any number of concurrent
        calls. 429 when too many challenges are marked at once."""
        parsed = self._parse(username, ceremony, challenge_text)
        if parsed is None:
            return False
        if self._used.size() >= self._max_used:
            self.sweep()
            if self._used.size() >= self._max_used:
                raise TooManyRequests("Too many passkey ceremonies at once; try again soon.",
                                      {"Retry-After": "10"})
        mark, expiry = parsed
        return self._used.putIfAbsent(mark, expiry) is None

    def sweep(self):
        """Forgets used challenges that have expired (housekeeping)."""
        now = self._clock()
        for entry in list(self._used.entrySet()):
            if entry.getValue() < now:
                self._used.remove(entry.getKey(), entry.getValue())

    def used_count(self):
        return self._used.size()

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

"""Random bytes for secrets: signing keys, passkey challenges, CSRF tokens.

They come as a Java byte[] because SecureRandom fills its argument in place: a Python
bytearray handed to it is copied, so it stays all zeros (the first signing key was, until a
test caught it).
"""
from __future__ import absolute_import

import jarray

from java.security import SecureRandom
from java.util import Base64

_RANDOM = SecureRandom()   # thread-safe


def random_bytes(count):
    data = jarray.zeros(count, "b")
    _RANDOM.nextBytes(data)
    return data


def base64url(data):
    """base64url without padding (WebAuthn's and URLs' form of binary values)."""
    return Base64.getUrlEncoder().withoutPadding().encodeToString(data)


def random_token(count=32):
    """``count`` random bytes as base64url text."""
    return base64url(random_bytes(count))

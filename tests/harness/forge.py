"""Hand-made JWTs for security tests: base64url and HMAC-SHA256 from the standard library, so a
test states exactly which header, claims and signature it sends. Keys here are the tests' own:
no test knows a server's signing key."""
import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(header, claims, key=None):
    """A compact JWT; signed with HMAC-SHA256 under ``key``, or with an empty signature."""
    signing_input = "%s.%s" % (b64url(json.dumps(header).encode("utf-8")),
                               b64url(json.dumps(claims).encode("utf-8")))
    if key is None:
        return signing_input + "."
    signature = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


def parts(token):
    """(header, claims, signature text) of a compact JWT."""
    header, claims, signature = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(claims)), signature


def claims_for(domain, username, lifetime=3600, **overrides):
    """Claims shaped exactly like SparkWeb's own (sub, aud, iss, iat, nbf, exp, jti)."""
    now = int(time.time())
    claims = {"jti": str(uuid.uuid4()), "sub": username, "iss": "sparkweb", "aud": [domain],
              "iat": now, "nbf": now, "exp": now + lifetime}
    claims.update(overrides)
    return claims


def forged_token(domain, username, **overrides):
    """Well-formed claims, signed HS256 with a random key that is not the server's."""
    return encode({"alg": "HS256"}, claims_for(domain, username, **overrides),
                  secrets.token_bytes(32))

"""Tokens that must not work, on REST and on the event stream: each is answered 401 with the
very same JSON body as no token at all, so a caller learns nothing about why.

No test knows a server's signing key. So what each case really covers:
- tampered payload, tampered signature, alg "none" from a real token: a genuine token of the
  server, altered; only the signature check can catch these.
- forged, and forged with a wrong audience, a wrong issuer or an ``exp`` in the past: claims
  signed with a key of the test's own; over HTTP they are all caught as forgeries. That the
  audience, issuer and expiry checks hold on their own, with the right key, is shown by the
  unit tests (tests/unit/jtest_tokens.py) and, for expiry, by the dedicated short-lived dev
  host below.
- revoked: a real token after its own logout.
"""
import json
import time
import urllib.parse

import httpx
import pytest

from harness.devhost import DevHost
from harness.forge import b64url, b64url_decode, claims_for, encode, forged_token, parts
from harness.target import TEST_PROPERTIES


def rest_response(target, token):
    with target.client() as client:
        response = client.get("/user", headers={"Authorization": "Bearer " + token})
    return response


def sse_response(target, token):
    with httpx.Client(timeout=30) as client:
        return client.get(target.base_url + "/sparkweb/sse", params={"token": token})


@pytest.fixture
def reference_401(target):
    """The answer to a request without any token: every refused token must look like it."""
    with target.client() as client:
        response = client.get("/user")
    assert response.status_code == 401, response.text
    return response.json()


def assert_refused_alike(target, token, reference, case):
    for where, response in (("REST", rest_response(target, token)),
                            ("SSE", sse_response(target, token))):
        assert response.status_code == 401, "%s %s: %s %s" % (
            case, where, response.status_code, response.text[:200])
        assert response.headers["content-type"].startswith("application/json"), response.headers
        assert response.json() == reference, "%s %s body differs: %s" % (
            case, where, response.text)
        assert response.headers.get("www-authenticate", "").startswith("Bearer"), response.headers


def with_payload(token, **changes):
    """The token with claims changed and its original header and signature kept."""
    header, claims, signature = token.split(".")
    payload = json.loads(b64url_decode(claims))
    payload.update(changes)
    return "%s.%s.%s" % (header, b64url(json.dumps(payload).encode("utf-8")), signature)


def test_tampered_payload_is_refused(target, alice_token, reference_401):
    exp = parts(alice_token)[1]["exp"]
    for changes in ({"sub": "bob"}, {"exp": exp + 86400}, {"aud": ["other.test"]},
                    {"iss": "someone-else"}, {"jti": "another-id"}):
        assert_refused_alike(target, with_payload(alice_token, **changes), reference_401,
                             "tampered %s" % list(changes))


def test_tampered_signature_is_refused(target, alice_token, reference_401):
    head, _, signature = alice_token.rpartition(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    for token in (head + "." + flipped, head + ".", head + "." + signature[:-4]):
        assert_refused_alike(target, token, reference_401, "signature")


def test_alg_none_is_refused(target, alice_token, reference_401):
    claims = parts(alice_token)[1]
    for alg in ("none", "None", "NONE"):
        assert_refused_alike(target, encode({"alg": alg, "typ": "JWT"}, claims), reference_401,
                             "real claims, alg %s" % alg)
    assert_refused_alike(target, encode({"alg": "none"}, claims_for(target.domain, "alice")),
                         reference_401, "fresh claims, alg none")


def test_forged_tokens_are_refused(target, reference_401):
    cases = {
        "forged": {},
        "forged, wrong audience": {"aud": ["elsewhere.test"]},
        "forged, wrong issuer": {"iss": "not-sparkweb"},
        "forged, expired": {"iat": int(time.time()) - 7200, "nbf": int(time.time()) - 7200,
                            "exp": int(time.time()) - 3600},
        "forged, other algorithm name": None,
    }
    for case, overrides in cases.items():
        if overrides is None:
            token = encode({"alg": "HS512"}, claims_for(target.domain, "alice"), b"k" * 64)
        else:
            token = forged_token(target.domain, "alice", **overrides)
        assert_refused_alike(target, token, reference_401, case)


def test_revoked_token_is_refused(target, reference_401):
    token = target.login("alice")
    with target.client(token) as client:
        assert client.post("/logout").status_code == 200, "logout failed"
    assert_refused_alike(target, token, reference_401, "revoked")


@pytest.mark.parametrize("name", ["\u0080", "a@b", "x" * 1100, " alice", "alice\u200b",
                                  "\U0001F600"])
def test_login_name_that_is_no_user_gets_the_wrong_password_answer(target, name):
    """Including names Openfire cannot even make a JID of (they once were 500s)."""
    with target.client() as client:
        wrong = client.post("/login/alice", content="not-the-password")
        odd = client.post("/login/" + urllib.parse.quote(name, safe=""),
                          content="not-the-password")
    assert odd.status_code == 401, "%r: %s %s" % (name, odd.status_code, odd.text)
    assert odd.json() == wrong.json(), "%r distinguishable: %s" % (name, odd.text)


# --- real expiry: a dev host of its own whose tokens live the shortest allowed time ----------

SHORT_LIFETIME = 60
CLOCK_SKEW = 30     # what SparkWeb tolerates (auth/tokens.py)


@pytest.fixture(scope="module")
def short_lived():
    host = DevHost(properties=dict(TEST_PROPERTIES, **{
        "sparkweb.token.lifetime.seconds": str(SHORT_LIFETIME)}))
    target = host.start()
    try:
        yield target
    finally:
        host.stop()


def test_a_token_stops_working_when_it_expires(short_lived):
    """Waits out the shortest lifetime plus the clock skew (about 90 s): the only honest way
    to see a genuine token of the server expire without knowing its key."""
    target = short_lived
    token = target.login("alice")
    expires = parts(token)[1]["exp"]
    assert expires - time.time() <= SHORT_LIFETIME + 1, "lifetime setting not applied"
    with target.client() as client:
        reference = client.get("/user").json()
    assert rest_response(target, token).status_code == 200, "fresh token refused"
    time.sleep(max(0, expires + CLOCK_SKEW + 2 - time.time()))
    assert_refused_alike(target, token, reference, "expired")

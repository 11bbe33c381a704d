"""Request bodies cost memory before anyone signs in (review finding 4): the public sign-in
routes take small bodies only (413 beyond ``sparkweb.http.signInBodyBytes``), and all bodies
being received together stay within ``sparkweb.http.bodyBudgetBytes`` (503 with Retry-After
beyond it), which recovers as soon as the clients holding it go away. A body that arrives
whole with its headers is handled at once and takes nothing from the budget, so slow bodies
that fill it do not keep anyone else out.

The budget test runs on a server of its own (the dev host, and a real Openfire from
OPENFIRE_HOME) with a small budget and a long read deadline, so that a few loopback
connections fill it and hold it until the test lets them go. Loops are bounded by deadlines.
"""
import json
import os
import time

import pytest

from harness import raw_http
from harness.devhost import DevHost
from harness.target import TEST_PROPERTIES

SIGN_IN_LIMIT = 16 * 1024          # sparkweb.http.signInBodyBytes' default
BUDGET = 256 * 1024
FILLERS = 4
FILLER_DECLARED = 64 * 1024        # each filler's Content-Length; it sends all but FILLER_SHORT
FILLER_SHORT = 256                 # so the fillers hold BUDGET - FILLERS * FILLER_SHORT bytes
READ_SECONDS = 120                 # the fillers are never timed out during the test
WAIT_SECONDS = 60


def padded_login(password, size):
    """A JSON sign-in body of ``size`` bytes (whitespace after the object)."""
    text = json.dumps({"password": password})
    return (text + " " * (size - len(text))).encode("utf-8")


def post(target, path, body, token=None, in_two_parts=False):
    """One request on a connection of its own (an answer may close it); the Answer.
    ``in_two_parts``: the body follows its headers after a pause, so that it is still arriving
    when the server looks at it (a body that arrives whole goes straight to its handler)."""
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    if token:
        headers.append(("Authorization", "Bearer " + token))
    sock = raw_http.connect(target.base_url, timeout=30)
    try:
        head = raw_http.request_head("POST", "/sparkweb/api/rest" + path, "localhost", headers)
        if in_two_parts:
            sock.sendall(head)
            time.sleep(0.2)
            sock.sendall(body)
        else:
            sock.sendall(head + body)
        return raw_http.read_answer(sock)
    finally:
        sock.close()


def test_the_sign_in_routes_refuse_bodies_over_their_small_limit(target, alice_token):
    too_large = padded_login(target.users["alice"], SIGN_IN_LIMIT + 1)
    for path in ("/login/alice", "/webauthn/authenticate/finish/alice",
                 "/webauthn/register/finish/alice"):
        answer = post(target, path, too_large)
        assert answer.status == 413 and answer.json()["error"] == "payload_too_large", \
            (path, answer)
        assert answer.headers.get("connection") == "close", (path, answer.headers)
    answer = post(target, "/login/alice", padded_login(target.users["alice"], SIGN_IN_LIMIT))
    assert answer.status == 200, "a sign-in body at the limit was refused: %r" % answer
    answer = post(target, "/config/properties", b"[" + b" " * SIGN_IN_LIMIT + b"]", alice_token)
    assert answer.status != 413, "another route took the sign-in limit: %r" % answer


def dedicated_server(kind):
    properties = dict(TEST_PROPERTIES)
    properties.update({"sparkweb.http.bodyBudgetBytes": str(BUDGET),
                       "sparkweb.http.bodyReadSeconds": str(READ_SECONDS)})
    if kind == "devhost":
        return DevHost(properties=properties)
    if not os.environ.get("OPENFIRE_HOME"):
        pytest.skip("no real Openfire: OPENFIRE_HOME is not set")
    from harness.openfire import LocalOpenfire
    return LocalOpenfire(os.environ["OPENFIRE_HOME"], properties=properties)


@pytest.fixture(scope="module", params=["devhost", "openfire"])
def small_budget(request):
    if request.param == "openfire":
        request.applymarker(pytest.mark.openfire)
    server = dedicated_server(request.param)
    try:
        yield server.start()
    finally:
        server.stop()


def filler(target):
    """A connection that sent all but FILLER_SHORT bytes of its body and waits."""
    sock = raw_http.connect(target.base_url, timeout=30)
    sock.sendall(raw_http.request_head("POST", "/sparkweb/api/rest/config/properties",
                                       "localhost", [("Content-Type", "application/json"),
                                                     ("Content-Length", str(FILLER_DECLARED))])
                 + b" " * (FILLER_DECLARED - FILLER_SHORT))
    return sock


def probe_until(target, wanted, body):
    """Signs alice in with ``body``, sent in two parts, until the status is ``wanted`` (or
    WAIT_SECONDS pass); the last answer and how many tries it took."""
    deadline = time.monotonic() + WAIT_SECONDS
    tries = 0
    while True:
        tries += 1
        answer = post(target, "/login/alice", body, in_two_parts=True)
        if answer.status == wanted or time.monotonic() > deadline:
            return answer, tries


def test_the_budget_refuses_bodies_beyond_it_and_recovers_when_they_go(small_budget):
    target = small_budget
    # does not fit in what the fillers leave (FILLERS * FILLER_SHORT bytes), fits in the budget
    body = padded_login(target.users["alice"], FILLERS * FILLER_SHORT + 1024)
    assert post(target, "/login/alice", body).status == 200, "sign-in fails before the test"
    fillers = [filler(target) for _ in range(FILLERS)]
    try:
        refused, tries = probe_until(target, 503, body)   # until the server has read them all
        assert refused.status == 503, "%d bodies of %d bytes held, budget %d: %r" % (
            FILLERS, FILLER_DECLARED - FILLER_SHORT, BUDGET, refused)
        assert refused.json()["error"] == "service_unavailable", refused
        assert refused.headers.get("retry-after") == str(READ_SECONDS), refused.headers
        assert refused.headers.get("connection") == "close", refused.headers
        print("budget on %s refused a sign-in after %d tries" % (target.name, tries))
        # A body that arrived whole waits on no client: the slow bodies do not lock it out.
        whole = post(target, "/login/alice", body)
        assert whole.status == 200, "a whole body was refused while slow ones held the " \
            "budget: %r" % whole
    finally:
        for sock in fillers:
            sock.close()
    recovered, tries = probe_until(target, 200, body)
    assert recovered.status == 200, "the budget was not given back when the clients went: %r" \
        % recovered
    print("budget on %s recovered after %d tries" % (target.name, tries))

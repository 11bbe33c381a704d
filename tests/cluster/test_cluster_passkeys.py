"""Passkey ceremonies across the nodes (issue 17, item 5): one started on a node finishes on the
other, and a challenge used on one node cannot be used again on the other (with a counter that
stays 0, as synced passkeys report it, only the single-use challenge refuses a replay; each
node used to remember used challenges for itself alone)."""
import httpx

from harness.passkeys import Passkey, page_origin


def _anonymous(node):
    return httpx.Client(base_url=node.rest_url, timeout=30)


def _sign_out(node, answer):
    """Ends the session a passkey sign-in started on ``node``, for the tests after this one."""
    with node.client(answer.json()["token"]) as client:
        assert client.post("/logout").status_code == 200


def test_a_ceremony_started_on_one_node_finishes_on_the_other(node1, node2):
    passkey = Passkey(page_origin(node1))
    with _anonymous(node1) as first, _anonymous(node2) as second:
        options = first.post("/webauthn/register/start/bob", content=node1.users["bob"])
        assert options.status_code == 200, options.text
        registered = second.post("/webauthn/register/finish/bob",
                                 json={"credential": passkey.create(options.json())})
        assert registered.status_code == 200, (registered.status_code, registered.text)
        options = second.post("/webauthn/authenticate/start/bob")
        assert options.status_code == 200, options.text
        signed_in = first.post("/webauthn/authenticate/finish/bob",
                               json=passkey.get(options.json()))
    assert signed_in.status_code == 200 and signed_in.json().get("token"), \
        (signed_in.status_code, signed_in.text)
    _sign_out(node1, signed_in)


def test_an_assertion_used_on_one_node_is_refused_on_the_other(node1, node2):
    passkey = Passkey(page_origin(node1), counts=False)
    with _anonymous(node1) as first, _anonymous(node2) as second:
        options = first.post("/webauthn/register/start/carol", content=node1.users["carol"])
        assert first.post("/webauthn/register/finish/carol", json={
            "credential": passkey.create(options.json())}).status_code == 200
        options = first.post("/webauthn/authenticate/start/carol")
        assertion = passkey.get(options.json())
        used = first.post("/webauthn/authenticate/finish/carol", json=assertion)
        replayed = second.post("/webauthn/authenticate/finish/carol", json=assertion)
    assert used.status_code == 200, (used.status_code, used.text)
    _sign_out(node1, used)
    assert replayed.status_code == 401, \
        "the assertion was used again on node 2: %s %s" % (replayed.status_code, replayed.text)

"""GET /user and GET /config/global for the signed-in user."""


def test_user_is_the_signed_in_user_without_secrets(target, alice):
    response = alice.get("/user")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["username"] == "alice", body
    assert set(body) >= {"username", "name", "email", "properties"}, body
    assert "password" not in body, body
    names = [entry["key"] for entry in body["properties"]]
    assert not [n for n in names if n.startswith("sparkweb.")], "internal property shown: %s" % names


def test_each_user_sees_only_themselves(target):
    with target.client(target.login("bob")) as client:
        assert client.get("/user").json()["username"] == "bob", "bob saw someone else"


def test_global_config_names_the_domain_and_hides_the_signing_key(target, alice):
    response = alice.get("/config/global")
    assert response.status_code == 200, response.text
    shown = dict((entry["key"], entry["value"]) for entry in response.json()["properties"])
    assert shown["xmpp.domain"] == target.domain, shown
    assert "sparkweb.token.key" not in shown, "signing key listed"

"""GET and POST /config/properties: the caller's own user properties."""
import uuid

import pytest


def unique_name():
    return "test.%s" % uuid.uuid4().hex[:10]


def listed(client):
    response = client.get("/config/properties")
    assert response.status_code == 200, response.text
    return dict((entry["key"], entry["value"]) for entry in response.json()["properties"])


def test_set_read_and_delete_own_property(target, alice):
    name = unique_name()
    response = alice.post("/config/properties", json=[{"name": name, "value": 'dark "x" \u00e9'}])
    assert response.status_code == 200, response.text
    assert listed(alice)[name] == 'dark "x" \u00e9', listed(alice)
    shown = dict((p["key"], p["value"]) for p in alice.get("/user").json()["properties"])
    assert shown.get(name) == 'dark "x" \u00e9', "GET /user does not show it: %s" % shown
    assert alice.post("/config/properties", json=[{"name": name, "value": None}]).status_code == 200
    assert name not in listed(alice), "null did not delete"


def test_key_value_and_wrapped_shapes_are_accepted(target, alice):
    name = unique_name()
    for body in ([{"key": name, "value": "1"}], {"properties": [{"key": name, "value": "2"}]},
                 {"name": name, "value": "3"}):
        response = alice.post("/config/properties", json=body)
        assert response.status_code == 200, "%r -> %s" % (body, response.text)
    assert listed(alice)[name] == "3", listed(alice)


def test_protected_name_is_403_and_the_whole_request_is_refused(target, alice):
    name = unique_name()
    body = [{"name": name, "value": "x"}, {"name": "sparkweb.token.revoked", "value": ""}]
    response = alice.post("/config/properties", json=body)
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "forbidden", response.text
    assert "sparkweb" not in response.json()["message"], "names the property: %s" % response.text
    assert name not in listed(alice), "half-applied: the allowed property was written"


@pytest.mark.parametrize("name", ["webauthn.credentials", "WebPush.subscription", "totp",
                                  "password", "secret.key", "sparkweb.token.revoked"])
def test_protected_names_are_never_written(target, alice, name):
    response = alice.post("/config/properties", json=[{"name": name, "value": "x"}])
    assert response.status_code == 403, "%s: %s" % (name, response.text)


def test_revocation_cannot_be_undone_through_properties(target):
    token = target.login("alice")
    with target.client(token) as client:
        assert client.post("/logout").status_code == 200
    with target.client(target.login("alice")) as client:
        response = client.post("/config/properties",
                               json=[{"name": "sparkweb.token.revoked", "value": None}])
    assert response.status_code == 403, response.text
    with target.client(token) as client:
        assert client.get("/user").status_code == 401, "revoked token works again"


@pytest.mark.parametrize("body", ['{"name": "x"', '"text"', "[1]", '[{"value": "x"}]',
                                  '[{"name": "has space", "value": "x"}]',
                                  '[{"name": "a", "value": {"nested": 1}}]',
                                  '[{"name": "a", "value": "1"}, {"name": "a", "value": "2"}]'])
def test_malformed_body_is_400_json(target, alice, body):
    response = alice.post("/config/properties", content=body,
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 400, "%s -> %s %s" % (body, response.status_code, response.text)
    assert response.json()["error"] == "bad_request", response.text


def test_too_long_name_or_value_is_400(target, alice):
    for pair in ({"name": "n" * 101, "value": "x"}, {"name": unique_name(), "value": "v" * 4001}):
        response = alice.post("/config/properties", json=[pair])
        assert response.status_code == 400, response.text[:200]


def test_longest_value_round_trips(target, alice):
    name, value = unique_name(), "v" * 3999 + "\u00e9"
    assert alice.post("/config/properties", json=[{"name": name, "value": value}]).status_code == 200
    assert listed(alice)[name] == value, "value changed on the way"


def test_properties_need_a_token(target):
    with target.client() as client:
        for method in ("GET", "POST"):
            response = client.request(method, "/config/properties", json=[])
            assert response.status_code == 401, "%s: %s" % (method, response.text)

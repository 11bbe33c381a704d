"""Fuzzing the roster, account, directory and group endpoints (issue 12) with hypothesis:
arbitrary JSON and non-JSON bodies, path segments and query values, with carol's real token,
none or a forged one. No answer may be a 5xx, every 4xx is SparkWeb's JSON error shape, no 2xx
without the real token, and afterwards carol's account is as it was (what the fuzz added to her
roster, groups or profile is taken away again, and nothing else of hers changed)."""
import json
import urllib.parse

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from harness.forge import forged_token

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=4),
    max_leaves=12)
FIELD_NAMES = ["jid", "nickname", "groups", "subscribe", "subscriptionType", "name", "email",
               "vcard", "photo", "type", "data", "fullName", "groupnames", "username"]
SHAPED = st.dictionaries(st.sampled_from(FIELD_NAMES), JSON_VALUES | st.dictionaries(
    st.sampled_from(FIELD_NAMES), JSON_VALUES, max_size=3), max_size=4)
BODIES = st.one_of(
    SHAPED.map(lambda body: json.dumps(body).encode("utf-8")),
    JSON_VALUES.map(lambda value: json.dumps(value).encode("utf-8")),
    st.binary(max_size=200),
    st.sampled_from([b"[" * 50000, b'{"jid": ' + b"9" * 20000 + b"}", b'{"jid": "\\ud800"}',
                     b'{"groupnames": ["\\udc00"]}', b'{"vcard": {"photo": {"type": "image/png",'
                     b' "data": "' + b"A" * 200000 + b'"}}}']))
SEGMENTS = st.one_of(st.text(max_size=40), st.sampled_from([
    "carol", "alice@example.test", "a@b@c", "x/y", "..", "%", "\u202e", "chess", "staff"]))
ENDPOINTS = st.one_of(
    st.tuples(st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
              st.sampled_from(["/roster", "/user", "/user/groups", "/users"])),
    st.tuples(st.sampled_from(["PUT", "DELETE", "POST"]), SEGMENTS.map(
        lambda s: "/roster/" + urllib.parse.quote(s, safe=""))),
    st.tuples(st.just("POST"), SEGMENTS.map(
        lambda s: "/roster/%s/%s" % (urllib.parse.quote(s, safe=""), "accept"))),
    st.tuples(st.sampled_from(["POST", "DELETE"]), SEGMENTS.map(
        lambda s: "/user/groups/" + urllib.parse.quote(s, safe=""))))
QUERIES = st.dictionaries(st.sampled_from(["search", "start", "limit", "propertyKey"]),
                          st.text(max_size=20), max_size=3)


def is_json_error(response):
    try:
        body = response.json()
    except ValueError:
        return False
    return response.headers.get("content-type", "").startswith("application/json") and \
        isinstance(body, dict) and isinstance(body.get("error"), str) and bool(body.get("message"))


def refused_by_the_web_server(target, path, status):
    """The web server's own refusal of a URI it routes nowhere (an empty segment, an encoded
    slash): the same path outside SparkWeb is refused alike."""
    with httpx.Client(base_url=target.base_url, timeout=30) as client:
        return client.get("/no-such-context" + path).status_code == status


def snapshot(client):
    user = client.get("/user").json()
    return {"roster": sorted(e["jid"] for e in client.get("/roster").json()["roster"]),
            "groups": client.get("/user/groups").json()["groupnames"],
            "user": (user["name"], user["email"], user["properties"])}


@pytest.fixture(scope="module")
def carol(target):
    token = target.login("carol")
    client = target.client(token)
    before = snapshot(client)
    yield token, client
    after = snapshot(client)
    for jid in set(after["roster"]) - set(before["roster"]):
        client.delete("/roster/" + urllib.parse.quote(jid, safe=""))
    for group in set(after["groups"]) - set(before["groups"]):
        client.delete("/user/groups/" + urllib.parse.quote(group, safe=""))
    client.put("/user", json={"name": "Carol", "email": "carol@example.test",
                              "vcard": {"fullName": None, "nickname": None, "email": None,
                                        "photo": None}})
    restored = snapshot(client)
    client.close()
    assert restored == before, "carol's account changed beyond the fuzz's own additions: %r %r" % (
        before, restored)


@SETTINGS
@example(("PUT", "/user"), b'{"password": "x"}', "real", {})
@example(("DELETE", "/user"), b'{"password": "x"}', "real", {})
@example(("POST", "/user/groups"), b'{"groupnames": ["chess", "nope"]}', "real", {})
@example(("GET", "/users"), b"", "real", {"limit": "99999999999999999999"})
@given(endpoint=ENDPOINTS, body=BODIES, authorization=st.sampled_from(["real", "real", None,
                                                                       "forged"]),
       query=QUERIES)
def test_contact_endpoints_answer_every_request_with_json_and_never_5xx(
        target, carol, endpoint, body, authorization, query):
    token, _ = carol
    method, path = endpoint
    headers = {"Content-Type": "application/json"}
    if authorization == "real":
        headers["Authorization"] = token
    elif authorization == "forged":
        headers["Authorization"] = forged_token(target.domain, "carol")
    with httpx.Client(base_url=target.rest_url, timeout=30) as client:
        response = client.request(method, path, content=body, headers=headers, params=query)
    assert response.status_code < 500, "%s %s %r: %s %s" % (
        method, path, body[:200], response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert is_json_error(response) or refused_by_the_web_server(
            target, path, response.status_code), \
            "%s %s: not the JSON error shape: %s" % (method, path, response.text[:200])
    else:
        assert authorization == "real", "%s %s succeeded without the token" % (method, path)

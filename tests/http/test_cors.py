"""CORS: one allow-list for REST and SSE (the targets allow https://allowed.example)."""
import http.client
import urllib.parse

import httpx

from harness.target import ALLOWED_ORIGIN

OTHER_ORIGIN = "https://evil.example"


def sse_headers(target, token, origin):
    url = urllib.parse.urlsplit(target.base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.request("GET", "/sparkweb/sse?token=" + token, headers={"Origin": origin})
        response = connection.getresponse()
        return response.status, response.headers
    finally:
        connection.close()


def test_allowed_origin_gets_credentials_on_rest_and_sse(target, alice_token):
    with target.client(alice_token) as client:
        response = client.get("/user", headers={"Origin": ALLOWED_ORIGIN})
    assert response.headers.get("access-control-allow-origin") == ALLOWED_ORIGIN, response.headers
    assert response.headers.get("access-control-allow-credentials") == "true", response.headers
    status, headers = sse_headers(target, alice_token, ALLOWED_ORIGIN)
    assert status == 200 and headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN, headers


def test_other_origin_gets_no_cors_headers_and_unchanged_status(target, alice_token):
    with target.client(alice_token) as client:
        ok = client.get("/user", headers={"Origin": OTHER_ORIGIN})
    with target.client() as client:
        denied = client.get("/user", headers={"Origin": OTHER_ORIGIN})
    assert "access-control-allow-origin" not in ok.headers, ok.headers
    assert denied.status_code == 401, "status rewritten: %s" % denied.status_code
    status, headers = sse_headers(target, alice_token, OTHER_ORIGIN)
    assert headers.get("Access-Control-Allow-Origin") is None, headers
    assert "*" not in (ok.headers.get("access-control-allow-origin") or ""), ok.headers


def test_preflight_answers_only_the_allowed_origin(target):
    def preflight(origin):
        return httpx.options(target.rest_url + "/chat/message/bob", timeout=10, headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
    allowed, other = preflight(ALLOWED_ORIGIN), preflight(OTHER_ORIGIN)
    assert allowed.status_code == 204, allowed.status_code
    assert "POST" in allowed.headers.get("access-control-allow-methods", ""), allowed.headers
    assert "authorization" in allowed.headers.get("access-control-allow-headers", "").lower()
    assert "access-control-allow-origin" not in other.headers, other.headers

"""Every error is JSON {"error", "message"} with the documented status; bad input is never 5xx."""
import httpx
import pytest

from harness import raw_http

CODES = {400: "bad_request", 404: "not_found"}


def assert_json_error(response, status, code):
    assert response.status_code == status, "%s: %s" % (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert body["error"] == code and body["message"], body
    assert "Exception" not in response.text and "at org." not in response.text, "stack trace"


def test_unknown_route_is_404_json(target, alice):
    assert_json_error(alice.get("/no/such/thing"), 404, "not_found")


def test_wrong_method_is_405_json_with_allow(target, alice):
    response = alice.delete("/config/global")
    assert_json_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers.get("allow", ""), response.headers


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer x.y.z", "garbage", "a" * 5000])
def test_missing_or_invalid_credentials_are_401_json(target, header):
    headers = {} if header is None else {"Authorization": header}
    with target.client() as client:
        response = client.get("/user", headers=headers)
    assert_json_error(response, 401, "unauthorized")
    assert response.headers.get("www-authenticate", "").startswith("Bearer"), response.headers


def test_body_over_the_limit_is_413(target):
    with target.client() as client:
        response = client.post("/login/alice", content=b"x" * (1024 * 1024 + 1))
    assert_json_error(response, 413, "payload_too_large")


def test_body_that_is_not_utf8_is_400(target):
    with target.client() as client:
        response = client.post("/login/alice", content=b"\xff\xfe\xfa",
                               headers={"Content-Type": "text/plain"})
    assert_json_error(response, 400, "bad_request")


def test_deeply_nested_json_is_400_not_500(target):
    with target.client() as client:
        # as deep as the sign-in routes' body limit (16 KiB) allows: far beyond any parser's
        response = client.post("/login/alice", content="[" * 16000,
                               headers={"Content-Type": "application/json"})
    assert_json_error(response, 400, "bad_request")


def test_the_admin_console_descriptor_is_not_served(target):
    # web/ holds WEB-INF/web.xml for Openfire's admin console; the public server must hide it.
    for path in ("/sparkweb/WEB-INF/web.xml", "/sparkweb/WEB-INF/", "/sparkweb/web-inf/web.xml"):
        response = httpx.get(target.base_url + path, timeout=30)
        assert response.status_code == 404, "%s answered %s" % (path, response.status_code)
        assert "AdminPageServlet" not in response.text, "%s shows the descriptor" % path


def test_a_declared_body_beyond_any_limit_is_413_not_500(target):
    # Content-Length larger than an int: Jersey cannot even parse it; the body never comes.
    sock = raw_http.connect(target.base_url, timeout=15)
    try:
        sock.sendall(raw_http.request_head("POST", "/sparkweb/api/rest/login/alice", "localhost", [
            ("Content-Type", "text/plain"), ("Content-Length", "999999999999")]) + b"secret")
        answer = raw_http.read_answer(sock)
    finally:
        sock.close()
    assert answer.status == 413, answer
    assert answer.headers.get("content-type", "").startswith("application/json"), answer
    assert answer.json()["error"] == "payload_too_large", answer


def test_a_chunked_body_within_the_limit_is_read(target):
    def chunks():
        for part in ('{"pass', 'word": ', '"%s"}' % target.users["alice"]):
            yield part.encode("utf-8")    # no Content-Length: sent as chunks
    with target.client() as client:
        response = client.post("/login/alice", content=chunks(),
                               headers={"Content-Type": "application/json"})
    assert response.status_code == 200, "%s %s" % (response.status_code, response.text)
    assert response.json()["username"] == "alice", response.text


def test_a_chunked_body_over_the_limit_is_413(target):
    def chunks():
        for _ in range(17):
            yield b"x" * 65536   # 1 MiB + 64 KiB, without a Content-Length
    with target.client() as client:
        response = client.post("/login/alice", content=chunks())
    assert_json_error(response, 413, "payload_too_large")


def test_options_on_a_route_is_204_with_allow_not_text(target):
    response = httpx.options(target.rest_url + "/config/global", timeout=30)
    assert response.status_code == 204, "%s %s %s" % (
        response.status_code, response.headers.get("content-type"), response.text)
    assert not response.content, response.text
    assert "GET" in response.headers.get("allow", ""), response.headers


def raw_get(target, path):
    sock = raw_http.connect(target.base_url, timeout=15)
    try:
        sock.sendall(raw_http.request_head("GET", path, "localhost"))
        return raw_http.read_answer(sock)
    finally:
        sock.close()


@pytest.mark.parametrize("path,status", [
    ("/sparkweb/WEB-INF/web.xml", 404), ("/sparkweb/WEB-INF/", 404),
    ("/sparkweb/web-inf/web.xml", 404), ("/sparkweb/META-INF/MANIFEST.MF", 404),
    ("/sparkweb/a/../WEB-INF/web.xml", 404), ("/sparkweb/nothing-here.html", 404),
])
def test_the_containers_own_refusals_inside_sparkweb_are_json(target, path, status):
    answer = raw_get(target, path)
    assert answer.status == status, "%s: %r" % (path, answer)
    assert answer.headers.get("content-type", "").startswith("application/json"), \
        "%s: %r" % (path, answer)
    assert answer.json()["error"] == CODES[status], "%s: %r" % (path, answer)
    assert b"AdminPageServlet" not in answer.body, "%s shows the descriptor" % path


@pytest.mark.parametrize("path", ["/sparkweb/%00", "/sparkweb/api/rest/user%00",
                                  "/sparkweb/a%2Fb", "/sparkweb/api/rest/login/a%2Fb",
                                  "/sparkweb/%2e%2e/x", "/sparkweb/api//rest/user"])
def test_paths_the_web_server_refuses_while_parsing_are_400(target, path):
    # Refused by the HTTP parser before any context is chosen (Jetty then knows the path only
    # as /badURI or /badMessage), so the body is the web server's, not ours: never a 5xx.
    answer = raw_get(target, path)
    assert answer.status == 400, "%s: %r" % (path, answer)

"""Fuzzing GET /preview/{quality}/{url} and GET /upload/{fileName}/{fileSize} with hypothesis:
arbitrary qualities, URL segments (base64url of hostile URLs, raw text, garbage), file names,
sizes and content types, with and without the real token. No answer may be a 5xx (except the
documented 501 of /upload where the server has no upload service), every 4xx is SparkWeb's
JSON error shape or the web server's own refusal of the URI, a request without the real token
never succeeds, and no fuzzed preview ever connects to the loopback listener standing in for
the server's internal network.

Hosts come from a fixed list (internal addresses, odd spellings, the allow-listed fixture), so
the fuzz never looks up random names in DNS or fetches anything on the internet.
"""
import base64
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from harness.web_fixture import RecordingListener, WebFixture
from test_fuzz_auth import FUZZ_ADDRESS, Fuzzer, is_json_error

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def listener():
    recording = RecordingListener("127.0.0.1")
    yield recording
    recording.stop()


@pytest.fixture(scope="module")
def web():
    fixture = WebFixture()
    fixture.pages["/page"] = (200, [("Content-Type", "text/html")], b"<title>Fuzz</title>")
    yield fixture
    fixture.stop()


@pytest.fixture(scope="module")
def fuzzer(target):
    fuzzer = Fuzzer(target)
    yield fuzzer
    fuzzer.close()


def hosts(listener_port, web):
    return st.sampled_from([
        "127.0.0.1:%d" % listener_port, "[::1]:%d" % listener_port, "localhost:%d" %
        listener_port, "2130706433:%d" % listener_port, "0x7f.1:%d" % listener_port,
        "0177.0.0.1:%d" % listener_port, "[::ffff:127.0.0.1]:%d" % listener_port,
        "user:pw@127.0.0.1:%d" % listener_port, "169.254.169.254", "10.0.0.1", "0.0.0.0",
        "[fe80::1%%25lo]", "127.0.0.1%%2e", "%s:%d" % (web.host, web.port), "", "[", ":80",
        "%s:%d@127.0.0.1:%d" % (web.host, web.port, listener_port)])


def urls(listener_port, web):
    text = st.text(max_size=30)
    return st.builds(
        lambda scheme, host, path: "%s%s/%s" % (scheme, host, path),
        st.sampled_from(["http://", "https://", "HTTP://", "file://", "gopher://", "ftp://",
                         "javascript:", "http:/", "http:\\\\", ""]),
        hosts(listener_port, web), st.one_of(st.just("page"), text))


def segments(listener_port, web):
    encode = lambda url: base64.urlsafe_b64encode(url.encode("utf-8", "surrogatepass"))\
        .decode("ascii").rstrip("=")
    return st.one_of(urls(listener_port, web).map(encode),
                     urls(listener_port, web).map(lambda url: urllib.parse.quote(url, safe="")),
                     st.text(min_size=1, max_size=60).map(lambda t: urllib.parse.quote(
                         t.encode("utf-8", "surrogatepass"), safe="")),
                     st.from_regex(r"[A-Za-z0-9_-]{1,60}", fullmatch=True))


QUALITIES = st.one_of(st.sampled_from(["1", "5", "9", "0", "10", "-1", "5.5", "x", "%20"]),
                      st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e,
                                            blacklist_characters="/?#%"), min_size=1,
                              max_size=5))
AUTHORIZATIONS = st.sampled_from(["real", "real", "real", "Bearer real", "forged", "", "x"])


def check(fuzzer, path, authorization, allowed_5xx=()):
    response, headers = fuzzer.send("GET", path, None, None, authorization)
    status = response.status_code
    if status in allowed_5xx and is_json_error(response):
        return response
    fuzzer.judge("GET", path, None, headers, response, authorization)
    if 200 <= status < 300:
        assert authorization in ("real", "Bearer real"), (path, authorization, status)
    return response


def test_fuzzed_previews_never_fail_the_server_or_reach_the_internal_network(
        fuzzer, listener, web):
    @SETTINGS
    @given(quality=QUALITIES, segment=segments(listener.port, web),
           authorization=AUTHORIZATIONS)
    def run(quality, segment, authorization):
        check(fuzzer, "/preview/%s/%s" % (urllib.parse.quote(quality, safe=""), segment),
              authorization)
    run()
    assert listener.accepted == [], "fuzzed previews connected to the internal listener %d " \
        "times" % len(listener.accepted)


FILE_NAMES = st.one_of(st.text(min_size=1, max_size=40),
                       st.sampled_from(["a.txt", "..", ".", "a b.png", "\u00e9t\u00e9.jpg",
                                        "x" * 300, "%00", "a\u0001b"]))
SIZES = st.one_of(st.integers(-10, 10 ** 16).map(str),
                  st.sampled_from(["", "1e3", "0x10", " 5", "5 ", "+5", "9" * 40, "NaN"]))
CONTENT_TYPES = st.one_of(st.none(), st.sampled_from(["text/plain", "image/png", "x", "",
                                                      "a/b\r\nc: d", "text/plain; q=1"]),
                          st.text(max_size=30))


def test_fuzzed_upload_requests_never_fail_the_server(fuzzer):
    @SETTINGS
    @given(name=FILE_NAMES, size=SIZES, content_type=CONTENT_TYPES,
           authorization=AUTHORIZATIONS)
    def run(name, size, content_type, authorization):
        path = "/upload/%s/%s" % (urllib.parse.quote(name.encode("utf-8", "surrogatepass"),
                                                     safe=""),
                                  urllib.parse.quote(size, safe="") or "%20")
        if content_type is not None:
            path += "?contentType=" + urllib.parse.quote(
                content_type.encode("utf-8", "surrogatepass"), safe="")
        response = check(fuzzer, path, authorization, allowed_5xx=(501,))
        if response.status_code == 501:
            assert "HTTP File Upload plugin" in response.json()["message"], response.text
    run()

"""GET /preview/{quality}/{url} (issue 14) black-box, on the dev host and a real Openfire:
metadata of pages on a loopback fixture server (allow-listed), redirects, the 1 MB cap, a
server that never answers, non-HTML, broken HTML, other charsets; and, with the default policy,
every internal address and odd spelling refused with a 4xx before any connection, proven by a
listener that records connections."""
import base64
import time
import urllib.parse

import pytest

from harness.web_fixture import RecordingListener, WebFixture

HTML = [("Content-Type", "text/html; charset=utf-8")]


def encoded(url):
    """The URL as the route takes it: base64url without padding (web servers refuse %2F)."""
    return base64.urlsafe_b64encode(url.encode("utf-8")).decode("ascii").rstrip("=")


def preview(client, url, quality=5):
    return client.get("/preview/%d/%s" % (quality, encoded(url)))


@pytest.fixture(scope="module")
def web():
    fixture = WebFixture()
    yield fixture
    fixture.stop()


@pytest.fixture
def listener():
    recording = RecordingListener("127.0.0.1")
    yield recording
    recording.stop()


def test_open_graph_page(alice, web):
    web.pages["/og"] = (200, HTML, (
        b'<html><head><title>Plain</title><meta property="og:title" content="OG title">'
        b'<meta property="og:description" content="About it"><meta property="og:type" '
        b'content="article"><meta property="og:site_name" content="Fixture">'
        b'<meta property="og:image" content="/img.png"></head><body></body></html>'))
    response = preview(alice, web.url("/og"))
    assert response.status_code == 200, response.text
    assert response.json() == {"url": web.url("/og"), "title": "OG title",
                               "description": "About it", "image": web.url("/img.png"),
                               "siteName": "Fixture", "type": "article"}, response.json()
    agent = web.requests[-1][1].get("User-Agent", "")
    assert agent.startswith("SparkWeb/"), "user agent %r" % agent
    assert "Cookie" not in web.requests[-1][1] and "Authorization" not in web.requests[-1][1], \
        "credentials sent: %r" % web.requests[-1][1]


def test_plain_title_broken_html_and_latin1(alice, web):
    web.pages["/plain"] = (200, HTML, b"<title>Just a title</title>")
    web.pages["/broken"] = (200, HTML, b"<html><title>Broken</title><meta name=description "
                                       b"content='still read'<<<</div></p>")
    web.pages["/latin1"] = (200, [("Content-Type", "text/html; charset=iso-8859-1")],
                            "<title>Grüße</title>".encode("iso-8859-1"))
    assert preview(alice, web.url("/plain")).json()["title"] == "Just a title"
    broken = preview(alice, web.url("/broken")).json()
    assert broken["title"] == "Broken", broken
    assert preview(alice, web.url("/latin1")).json()["title"] == "Grüße"


def test_redirects_followed_up_to_three(alice, web):
    for number in range(1, 5):
        web.pages["/hop%d" % number] = (302, [("Location", "/hop%d" % (number + 1))], b"")
    web.pages["/hop5"] = (200, HTML, b"<title>Arrived</title>")
    arrived = preview(alice, web.url("/hop2"))
    assert arrived.status_code == 200 and arrived.json()["title"] == "Arrived", arrived.text
    assert arrived.json()["url"] == web.url("/hop5"), arrived.json()
    too_many = preview(alice, web.url("/hop1"))
    assert too_many.status_code == 400 and "redirect" in too_many.json()["message"], \
        too_many.text


def test_non_html_and_error_pages_are_400(alice, web):
    web.pages["/pic"] = (200, [("Content-Type", "image/png")], b"\x89PNG\r\n")
    web.pages["/teapot"] = (418, HTML, b"<title>No</title>")
    for path in ("/pic", "/teapot"):
        response = preview(alice, web.url(path))
        assert response.status_code == 400, (path, response.status_code, response.text)
        assert response.json()["error"] == "bad_request", response.text


def test_a_body_far_over_one_megabyte_is_cut_at_one_megabyte(alice, web):
    sent = []

    def endless(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        handler.wfile.write(b"<title>Huge</title>")
        chunk = b"<p>" + b"x" * 65536 + b"</p>"
        try:
            for _ in range(1600):             # 100 MB unless the reader stops
                handler.wfile.write(chunk)
                sent.append(len(chunk))
        except OSError:
            pass
    web.pages["/huge"] = endless
    response = preview(alice, web.url("/huge"))
    assert response.status_code == 200 and response.json()["title"] == "Huge", response.text
    deadline = time.time() + 30
    while time.time() < deadline and sum(sent) < 100 * 1024 * 1024 and \
            not web_stopped_writing(sent):
        time.sleep(0.2)
    assert sum(sent) < 20 * 1024 * 1024, "the server could send %d bytes" % sum(sent)


def web_stopped_writing(sent):
    before = sum(sent)
    time.sleep(0.5)
    return sum(sent) == before


def test_a_server_that_never_answers_times_out_as_400(alice):
    silent = RecordingListener("127.0.0.3", hold=True)
    try:
        started = time.time()
        response = preview(alice, "http://127.0.0.3:%d/" % silent.port)
        elapsed = time.time() - started
        # A timeout is told like any connection failure (a port scan must not tell them apart).
        assert response.status_code == 400 and \
            "cannot be fetched" in response.json()["message"], response.text
        assert elapsed < 20, "took %.1f s with readSeconds=2" % elapsed
        assert len(silent.accepted) == 1, "connections %d" % len(silent.accepted)
    finally:
        silent.stop()


def refused_urls(port, allowed):
    return [
        "http://127.0.0.1:%d/" % port, "http://[::1]:%d/" % port, "http://169.254.169.254/",
        "http://10.0.0.1/", "http://0.0.0.0:%d/" % port, "http://2130706433:%d/" % port,
        "http://017700000001:%d/" % port, "http://0177.0.0.1:%d/" % port,
        "http://0x7f.0.0.1:%d/" % port, "http://0x7f000001:%d/" % port,
        "http://127.1:%d/" % port, "http://[::ffff:127.0.0.1]:%d/" % port,
        "http://user@127.0.0.1:%d/" % port, "http://localhost:%d/" % port,
        "file:///etc/passwd", "gopher://127.0.0.1:%d/" % port, "ftp://127.0.0.1:%d/" % port,
        allowed,
    ]


def test_internal_addresses_and_odd_spellings_are_refused_without_a_connection(
        alice, web, listener):
    web.pages["/to-loopback"] = (302, [("Location", "http://127.0.0.1:%d/" % listener.port)],
                                 b"")
    for url in refused_urls(listener.port, web.url("/to-loopback")):
        response = preview(alice, url)
        assert 400 <= response.status_code < 500, (url, response.status_code, response.text)
        assert response.json()["error"] in ("bad_request", "forbidden"), (url, response.text)
    assert listener.accepted == [], "connections reached the listener: %d" % len(
        listener.accepted)


def test_quality_outside_one_to_nine_and_no_token(target, alice, web):
    for quality in ("0", "10", "abc"):
        response = alice.get("/preview/%s/%s" % (quality, encoded(web.url("/og"))))
        assert response.status_code == 400, (quality, response.text)
    with target.client() as anonymous:
        assert preview(anonymous, web.url("/og")).status_code == 401
    garbage = alice.get("/preview/5/%s" % urllib.parse.quote("not base64!", safe=""))
    assert garbage.status_code == 400, garbage.text


def test_one_fetch_serves_many_users(target, web):
    web.pages["/shared"] = (200, HTML, b"<title>Shared</title>")
    before = len([r for r in web.requests if r[0] == "/shared"])
    for user in ("alice", "bob", "carol"):
        with target.client(target.login(user)) as client:
            assert preview(client, web.url("/shared")).json()["title"] == "Shared"
    fetched = len([r for r in web.requests if r[0] == "/shared"]) - before
    assert fetched <= 1, "fetched %d times for three users" % fetched

"""GET /upload/{fileName}/{fileSize} on a real Openfire with its HTTP File Upload plugin (built
from its public source, installed as OPENFIRE_HOME/plugins/httpfileupload.jar): the slot
works end to end (PUT the bytes, GET them back identical), a file over the plugin's limit is
413 with the limit, and with the plugin removed the answer is 501 naming it.

The harness has the plugin announce a host name of this machine other than SparkWeb's
(harness.openfire.UPLOAD_HOST, e.g. the machine's name resolving to 127.0.0.1): a different
origin. Slots on SparkWeb's own origin are refused with 503 upload_same_origin."""
import os
import shutil
import struct
import time
import uuid
import zlib
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from harness.browser import chromium
from harness.openfire import UPLOAD_HOST

try:
    from playwright.sync_api import Error as PlaywrightError, TimeoutError as PlaywrightTimeout
except ImportError:         # the browser test skips (harness.browser) without Playwright
    PlaywrightError = PlaywrightTimeout = Exception

PLUGIN = "httpfileupload"


@pytest.fixture
def alice(target):
    with target.client(target.login("alice")) as client:
        yield client


@pytest.fixture
def with_plugin(server):
    server.require_optional_plugin(PLUGIN)
    if UPLOAD_HOST is None:
        pytest.skip("no name of this machine other than localhost resolves to 127.0.0.1, so "
                    "the upload plugin cannot announce an origin apart from SparkWeb's")
    server.wait_for_plugin_directory(PLUGIN, present=True)


def slot_when_ready(alice, name, size, deadline=90):
    """The slot answer, once the plugin's component has registered after its load."""
    end = time.time() + deadline
    while True:
        response = alice.get("/upload/%s/%d" % (name, size), params={"contentType": "text/plain"})
        if response.status_code != 501 or time.time() > end:
            return response
        time.sleep(0.5)


def test_a_slot_takes_the_bytes_and_gives_them_back(alice, with_plugin):
    data = ("SparkWeb upload %s\n" % uuid.uuid4()).encode() + bytes(range(256)) * 40
    response = slot_when_ready(alice, "hello.bin", len(data))
    assert response.status_code == 200, response.text
    slot = response.json()
    assert set(slot) == {"putUrl", "getUrl", "headers"}, slot
    for url in (slot["putUrl"], slot["getUrl"]):
        assert url.startswith("http://%s:" % UPLOAD_HOST), "not the separate origin: %s" % url
    put = httpx.put(slot["putUrl"], content=data, timeout=30,
                    headers=dict(slot["headers"], **{"Content-Type": "text/plain"}))
    assert put.status_code in (200, 201), (put.status_code, put.text)
    got = httpx.get(slot["getUrl"], timeout=30)
    assert got.status_code == 200 and got.content == data, (got.status_code, len(got.content))


def test_a_file_over_the_plugins_limit_is_413_with_the_limit(alice, with_plugin):
    slot_when_ready(alice, "probe.txt", 1)
    response = alice.get("/upload/huge.iso/%d" % (10 ** 14))
    assert response.status_code == 413, response.text
    body = response.json()
    assert body["error"] == "payload_too_large" and isinstance(body["maxFileSize"], int), body
    assert str(body["maxFileSize"]) in body["message"], body


def test_without_the_plugin_the_answer_is_501_naming_it(alice, server, with_plugin):
    jar = server.optional_plugin_jar(PLUGIN)
    aside = os.path.join(server.home, PLUGIN + ".jar.aside")
    shutil.move(jar, aside)
    try:
        server.wait_for_plugin_directory(PLUGIN, present=False)
        end = time.time() + 60
        while True:        # the component unregisters while the plugin unloads
            response = alice.get("/upload/hello.txt/5")
            if response.status_code == 501 or time.time() > end:
                break
            time.sleep(0.5)
        assert response.status_code == 501, response.text
        assert "HTTP File Upload plugin" in response.json()["message"], response.text
    finally:
        shutil.move(aside, jar)
        server.wait_for_plugin_directory(PLUGIN, present=True)
    assert slot_when_ready(alice, "back.txt", 5).status_code == 200, "plugin not back"


def test_a_slot_on_the_origin_the_page_came_from_is_refused(target, server, with_plugin):
    """The attack: the plugin announcing the very origin SparkWeb is used from (the plain
    HTTP-bind port under the same host name). Here SparkWeb is reached under the upload host,
    so the slot it would hand out is on the caller's own origin: refused, naming the plugin's
    properties to change."""
    upload_origin = "http://%s:%d" % (UPLOAD_HOST, server.ports["http"])
    with httpx.Client(base_url=upload_origin + "/sparkweb/api/rest", timeout=30,
                      headers={"Authorization": target.login("alice")}) as page:
        end = time.time() + 90
        while True:
            response = page.get("/upload/cat.html/72", params={"contentType": "text/html"})
            if response.status_code != 501 or time.time() > end:
                break
            time.sleep(0.5)
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["error"] == "upload_same_origin", body
    for key in ("plugin.httpfileupload.announcedWebHost", "plugin.httpfileupload.announcedWebPort",
                "plugin.httpfileupload.announcedWebProtocol", "sparkweb.upload.allowSameOrigin"):
        assert key in body["message"], (key, body)


# --- S5-A2: the plugin's files served from SparkWeb's own origin ------------------------------
# The plugin serves /httpfileupload under every host name of Openfire's web server, SparkWeb's
# included, whatever origin its slots announce: a user's XMPP client can upload an HTML file
# and send a link to it on SparkWeb's host. While SparkWeb runs, those answers carry a
# sandboxing Content-Security-Policy, nosniff and, for HTML, Content-Disposition: attachment.
MARKER_KEY = "sparkweb.test.marker"
EVIL_PAGE = """<!doctype html><html><head><title>cat</title></head><body><script>
var stolen = localStorage.getItem("%s");
document.title = "stolen:" + stolen;
new Image().src = "/sparkweb/stolen?" + encodeURIComponent(stolen);
</script><p>a cat</p></body></html>""" % MARKER_KEY
UPLOAD_HEADERS_LOGGED = "SparkWeb adds Content-Security-Policy"


def uploaded(alice, name, data):
    """The getUrl of ``data``, uploaded through a slot SparkWeb handed out."""
    response = slot_when_ready(alice, name, len(data))
    assert response.status_code == 200, response.text
    slot = response.json()
    put = httpx.put(slot["putUrl"], content=data, headers=slot["headers"], timeout=30)
    assert put.status_code in (200, 201), (put.status_code, put.text)
    return slot["getUrl"]


def on_sparkwebs_origin(url, server):
    """``url`` with SparkWeb's scheme, host and port: where the attacker's link points."""
    parts = urlsplit(url)
    return server.base_url + urlunsplit(("", "", parts.path, parts.query, ""))


def sandboxed(response):
    policy = response.headers.get("content-security-policy", "")
    return response.status_code == 200 and policy.startswith("sandbox") and \
        "default-src 'none'" in policy and \
        response.headers.get("x-content-type-options") == "nosniff"


def test_an_uploaded_html_file_on_sparkwebs_origin_is_sandboxed(alice, server, with_plugin):
    url = on_sparkwebs_origin(uploaded(alice, "cat.html", EVIL_PAGE.encode()), server)
    got = httpx.get(url, timeout=30)
    assert got.content == EVIL_PAGE.encode(), (got.status_code, got.text[:200])
    assert sandboxed(got), "served as is on SparkWeb's origin: %s" % dict(got.headers)
    assert got.headers.get("content-disposition") == "attachment", dict(got.headers)
    image = httpx.get(on_sparkwebs_origin(uploaded(alice, "dot.png", PNG), server), timeout=30)
    assert sandboxed(image) and "content-disposition" not in image.headers, dict(image.headers)


def test_the_uploaded_script_cannot_read_sparkwebs_storage_in_chromium(alice, server, with_plugin):
    """A page of SparkWeb's origin keeps a marker in localStorage (as SparkWeb keeps the token).
    Opened in Chromium, the uploaded page is a download; and with its Content-Disposition taken
    away (a browser or proxy that drops it), the sandbox still keeps its script from running."""
    url = on_sparkwebs_origin(uploaded(alice, "cat.html", EVIL_PAGE.encode()), server)
    picture = on_sparkwebs_origin(uploaded(alice, "dot.png", PNG), server)
    marker = "marker-%s" % uuid.uuid4().hex
    with chromium() as browser:
        context = browser.new_context(accept_downloads=True)
        try:
            stolen = []
            context.on("request", lambda request: "/sparkweb/stolen" in request.url and
                       stolen.append(request.url))
            page = context.new_page()
            page.goto(server.base_url + "/sparkweb/api/rest/")
            page.evaluate("([key, value]) => localStorage.setItem(key, value)",
                          [MARKER_KEY, marker])
            assert opens_as_download(page, url), "the uploaded HTML page opened inline"
            context.route(url, without_disposition)
            page.goto(url)
            page.wait_for_timeout(1000)
            title = page.evaluate("() => document.title")
            assert marker not in title and not stolen, (title, stolen)
            page.goto(picture)
            shown = page.evaluate("() => document.images.length && document.images[0].naturalWidth")
            assert shown == 1, "an uploaded image no longer shows when opened: %r" % shown
        finally:
            context.close()


def opens_as_download(page, url):
    try:
        with page.expect_download(timeout=15000):
            try:
                page.goto(url)
            except PlaywrightError as error:   # "Download is starting"
                if "download" not in str(error).lower():
                    raise
        return True
    except PlaywrightTimeout:
        return False


def without_disposition(route):
    answer = route.fetch()
    headers = dict((name, value) for name, value in answer.headers.items()
                   if name.lower() != "content-disposition")
    route.fulfill(response=answer, headers=headers)


def test_a_plugin_installed_after_sparkwebs_start_is_sandboxed_and_logged_once(
        alice, server, with_plugin):
    jar = server.optional_plugin_jar(PLUGIN)
    aside = os.path.join(server.home, PLUGIN + ".jar.aside")
    logged = server.read_log("logs/openfire.log").count(UPLOAD_HEADERS_LOGGED)
    shutil.move(jar, aside)
    try:
        server.wait_for_plugin_directory(PLUGIN, present=False)
    finally:
        shutil.move(aside, jar)
    server.wait_for_plugin_directory(PLUGIN, present=True)
    url = on_sparkwebs_origin(uploaded(alice, "later.html", EVIL_PAGE.encode()), server)
    assert sandboxed(httpx.get(url, timeout=30)), "the reloaded plugin's answers lack the headers"
    server.wait_for_log(UPLOAD_HEADERS_LOGGED, logged + 1, timeout=30)
    time.sleep(6)        # a timer check (every 5 s) finds the context guarded: no new line
    assert server.read_log("logs/openfire.log").count(UPLOAD_HEADERS_LOGGED) == logged + 1, \
        "logged again without a reload"


def test_unloading_sparkweb_takes_its_filter_out_of_the_plugins_context(alice, server,
                                                                        with_plugin):
    """SparkWeb's filter must not stay in the other plugin's context after SparkWeb unloads
    (it would keep the unloaded classes alive, and run them); loaded again, it is back.
    tests/openfire/test_real_openfire.py's reload test counts the class loaders."""
    url = on_sparkwebs_origin(uploaded(alice, "gone.html", EVIL_PAGE.encode()), server)
    server.uninstall_plugin()
    try:
        server.wait_for_api(present=False, timeout=60)
        plain = httpx.get(url, timeout=30)
        assert plain.status_code == 200 and "content-security-policy" not in plain.headers, \
            dict(plain.headers)
    finally:
        server.install_plugin()
        server.wait_for_api(present=True, timeout=120)
    assert sandboxed(httpx.get(url, timeout=30)), "not guarded again after SparkWeb's reload"


def png_1x1():
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


PNG = png_1x1()

"""GET /upload/{fileName}/{fileSize} on a real Openfire with its HTTP File Upload plugin (built
from its public source, installed as OPENFIRE_HOME/plugins/httpfileupload.jar): the slot
works end to end (PUT the bytes, GET them back identical), a file over the plugin's limit is
413 with the limit, and with the plugin removed the answer is 501 naming it.

The harness has the plugin announce a host name of this machine other than SparkWeb's
(harness.openfire.UPLOAD_HOST, e.g. the machine's name resolving to 127.0.0.1): a different
origin. Slots on SparkWeb's own origin are refused with 503 upload_same_origin."""
import os
import shutil
import time
import uuid

import httpx
import pytest

from harness.openfire import UPLOAD_HOST

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

"""GET /upload/{fileName}/{fileSize} on a real Openfire with its HTTP File Upload plugin (built
from its public source, installed as OPENFIRE_HOME/plugins/httpfileupload.jar): the slot
works end to end (PUT the bytes, GET them back identical), a file over the plugin's limit is
413 with the limit, and with the plugin removed the answer is 501 naming it."""
import os
import shutil
import time
import uuid

import httpx
import pytest

PLUGIN = "httpfileupload"


@pytest.fixture
def alice(target):
    with target.client(target.login("alice")) as client:
        yield client


@pytest.fixture
def with_plugin(server):
    server.require_optional_plugin(PLUGIN)
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

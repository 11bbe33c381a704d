"""Bookmarks on a real Openfire: a user's own bookmarks are their XEP-0402 bookmarks, shared
both ways with another client of the same user (slixmpp), and shared bookmarks answer 501
naming the Bookmarks plugin while it is not installed."""
import os
import shutil
import time
import uuid
from xml.sax.saxutils import quoteattr

from harness.xmpp import XmppPeer

NODE = "urn:xmpp:bookmarks:1"
PUBSUB = "http://jabber.org/protocol/pubsub"
# What an XMPP client publishes (XEP-0402 with the options Openfire's pubsub understands; it
# knows no max_items "max"): the node it creates keeps Openfire's default of one item.
OPTIONS = ("<publish-options><x xmlns='jabber:x:data' type='submit'>"
           "<field var='FORM_TYPE' type='hidden'>"
           "<value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
           "<field var='pubsub#persist_items'><value>true</value></field>"
           "<field var='pubsub#access_model'><value>whitelist</value></field>"
           "</x></publish-options>")


def publish(room, name):
    return ("<pubsub xmlns='%s'><publish node='%s'><item id=%s><conference xmlns='%s' name=%s "
            "autojoin='true'><nick>Al</nick><password>s3cret</password></conference></item>"
            "</publish>%s</pubsub>" % (PUBSUB, NODE, quoteattr(room), NODE, quoteattr(name),
                                       OPTIONS))


def retract(room):
    return "<pubsub xmlns='%s'><retract node='%s' notify='true'><item id=%s/></retract></pubsub>" % (
        PUBSUB, NODE, quoteattr(room))


ITEMS = "<pubsub xmlns='%s'><items node='%s'/></pubsub>" % (PUBSUB, NODE)


def own_bookmarks(client):
    answer = client.get("/bookmarks")
    assert answer.status_code == 200, answer.text
    return dict((b["value"], b) for b in answer.json()["bookmark"] if not b["shared"])


def test_xep_0402_bookmarks_are_shared_both_ways_with_another_client(target):
    password = target.users["alice"]
    tag = uuid.uuid4().hex[:8]
    from_client = "client%s@conference.%s" % (tag, target.domain)
    from_rest = "rest%s@conference.%s" % (tag, target.domain)
    peer = XmppPeer("alice@" + target.domain, password, target.xmpp_address, resource="gajim")
    try:
        answer = peer.request(publish(from_client, "From Gajim " + tag), type="set")
        assert "type=\"result\"" in answer, "slixmpp could not publish: %s" % answer
        with target.client(target.login("alice")) as alice:
            seen = own_bookmarks(alice).get(from_client)
            assert seen is not None, "the client's bookmark is not in GET /bookmarks"
            assert seen["name"] == "From Gajim " + tag and dict(
                (p["key"], p["value"]) for p in seen["properties"]) == {
                "autojoin": "true", "nick": "Al"}, seen
            assert "s3cret" not in alice.get("/bookmarks").text, "the room password is shown"

            made = alice.post("/bookmark", json={"name": "From REST " + tag, "value": from_rest,
                                                 "properties": {"nick": "Alice"}})
            assert made.status_code == 200, made.text
            items = peer.request(ITEMS)
            assert from_rest in items and "From REST " + tag in items, \
                "the client does not see the REST bookmark: %s" % items
            assert from_client in items, \
                "the REST bookmark pushed the client's own out of the node: %s" % items

            changed = alice.post("/bookmark/%s/nick" % from_client, json="Ally")
            assert changed.status_code == 200, changed.text
            items = peer.request(ITEMS)
            assert "Ally" in items and "s3cret" in items, \
                "a REST change lost the client's password or was not stored: %s" % items

            assert "type=\"result\"" in peer.request(retract(from_client), type="set")
            assert from_client not in own_bookmarks(alice), "a retracted bookmark is listed"
            assert alice.delete("/bookmark/" + from_rest).status_code == 200, "REST delete"
            assert from_rest not in peer.request(ITEMS), "the client still sees a deleted one"
    finally:
        peer.close()


def test_without_the_bookmarks_plugin_shared_bookmarks_are_501_naming_it(target, server):
    server.require_optional_plugin("bookmarks")
    jar = server.optional_plugin_jar("bookmarks")
    admin = target.client(target.login("admin"))
    made = admin.post("/bookmark", json={"type": "url", "name": "kept", "globalBookmark": True,
                                         "value": "https://example.org/kept"})
    assert made.status_code == 200, made.text
    path = "/bookmark/%d" % made.json()["bookmarkID"]
    loaders_before = server.live_plugin_classloaders()
    aside = os.path.join(server.home, "bookmarks.jar.aside")
    shutil.move(jar, aside)
    try:
        server.wait_for_plugin_directory("bookmarks", present=False)
        for method, url, body in (("POST", "/bookmark", {"type": "url", "name": "x",
                                                          "value": "https://x.example",
                                                          "globalBookmark": True}),
                                  ("GET", path, None), ("PUT", path, {"name": "y"}),
                                  ("DELETE", path, None)):
            answer = admin.request(method, url, json=body)
            assert answer.status_code == 501 and "Bookmarks plugin" in answer.json()["message"], (
                method, url, answer.status_code, answer.text)
        listed = admin.get("/bookmarks")
        assert listed.status_code == 200 and all(not b["shared"] for b in listed.json()[
            "bookmark"]), listed.text
    finally:
        shutil.move(aside, jar)
    server.wait_for_plugin_directory("bookmarks", present=True)
    deadline = time.time() + 120
    while admin.get(path).status_code == 501 and time.time() < deadline:
        time.sleep(0.5)   # polling a condition: Openfire loads the plugin after unpacking it
    assert admin.get(path).json()["name"] == "kept", "the bookmark did not survive the reload"
    assert admin.delete(path).status_code == 200, "delete after reload"
    admin.close()
    loaders_after = server.live_plugin_classloaders()
    assert loaders_after == loaders_before, "SparkWeb keeps the unloaded Bookmarks plugin in " \
        "memory: %d plugin class loaders before its reload, %d after" % (
            loaders_before, loaders_after)

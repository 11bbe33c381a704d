"""API handlers called directly with a stand-in request: what they reveal and what they hide."""
from __future__ import absolute_import

from sparkweb import config
from sparkweb.api import properties, users
from sparkweb.auth.tokens import Claims
from support import FakeRequest, openfire_with_users, services


def test_user_entity_hides_password_and_secret_properties():
    openfire = openfire_with_users()
    openfire.set_user_property(u"alice", u"theme", u"dark")
    openfire.set_user_property(u"alice", u"webpush.subscription", u"{secret}")
    openfire.set_user_property(u"alice", config.REVOKED_TOKENS_PROPERTY, u"x:1")
    body = users.get_user(FakeRequest(services(openfire), Claims(u"alice", u"id", 0)))
    assert body["username"] == u"alice" and body["email"] == u"alice@example.test", repr(body)
    assert "password" not in body, "password field present"
    assert body["properties"] == [{"key": u"theme", "value": u"dark"}], repr(body["properties"])


def test_global_config_shows_only_published_properties():
    openfire = openfire_with_users()
    openfire.set_property(u"sparkweb.client.theme", u"dark")
    openfire.set_property(u"xmpp.auth.secret", u"hunter2")
    app = services(openfire)
    body = properties.get_global_config(FakeRequest(app, Claims(u"alice", u"id", 0)))
    shown = dict((entry["key"], entry["value"]) for entry in body["properties"])
    assert shown.get(u"sparkweb.client.theme") == u"dark", repr(shown)
    assert shown.get("xmpp.domain") == u"example.test", repr(shown)
    assert u"hunter2" not in repr(body), "a secret global property leaked"
    assert openfire.get_property(config.TOKEN_KEY_PROPERTY) not in repr(body), "key leaked"

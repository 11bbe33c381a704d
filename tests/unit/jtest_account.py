"""The account API (PUT/DELETE /user, GET /users) and the group API against the in-memory
Openfire: partial updates, the current password, read-only providers, the switches."""
from __future__ import absolute_import

import base64

from java.lang import RuntimeException

from sparkweb import config
from sparkweb.api import account, groups, users
from sparkweb.errors import BadRequest, Forbidden, NotFound, PayloadTooLarge, TooManyRequests
from contacts_support import World
from support import raised


# A 1 x 1 pixel PNG.
PIXEL = base64.b64decode(b"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYA"
                         b"AjCB0C8AAAAASUVORK5CYII=")


def photo(size, picture=PIXEL):
    """A photo of ``size`` bytes: ``picture`` padded after its end."""
    return {"type": u"image/png", "data": base64.b64encode(picture + b"\0" * (size - len(picture)))}


def png(width, height, bit_depth=8, colour_type=0, rows=None):
    """A PNG of width x height zero pixels whose data holds only ``rows`` rows (all if None);
    colour types 0 (grey), 2 (RGB), 6 (RGBA)."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    channels = {0: 1, 2: 3, 6: 4}[colour_type]
    row = b"\0" * (1 + width * channels * bit_depth // 8)
    data = zlib.compress(row * (height if rows is None else rows), 9)
    return b"\x89PNG\r\n\x1a\n" + \
        chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)) + \
        chunk(b"IDAT", data) + chunk(b"IEND", b"")


def test_a_photo_openfire_cannot_decode_or_too_large_a_picture_is_400():
    world = World()
    for picture, why in ((b"\x89PNG" + b"x" * 200, "not a picture"),
                         (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not decodable"),
                         (png(100000, 100000, rows=0)[:33], "100,000 pixels wide"),
                         # 109 bytes that Openfire would decode into a 128 MB raster
                         (png(4096, 4096, 16, 6, rows=1), "4096 x 4096, 16-bit RGBA"),
                         (png(1025, 1024), "just over a million pixels"),
                         (png(64, 64, rows=3), "a valid header, the data cut short")):
        error = raised(lambda: world.call(account.update_account, u"alice", {
            "vcard": {"photo": {"type": u"image/png", "data": base64.b64encode(picture)}}}))
        assert isinstance(error, BadRequest), "%s: %r" % (why, error)
    world.call(account.update_account, u"alice", {"vcard": {"photo": photo(100)}})
    largest = png(1024, 1024, 16, 6)
    world.call(account.update_account, u"alice", {
        "vcard": {"photo": {"type": u"image/png", "data": base64.b64encode(largest)}}})


def test_partial_update_keeps_absent_fields_and_properties():
    world = World()
    world.openfire.set_user_property(u"alice", u"theme", u"dark")
    world.call(account.update_account, u"alice", {"name": u"Alice A.", "username": u"alice",
                                                  "properties": [{"key": u"theme", "value": u"x"}],
                                                  "vcard": {"nickname": u"Al", "photo": photo(100)}})
    body = world.call(users.get_user, u"alice")
    assert body["name"] == u"Alice A." and body["email"] == u"alice@example.test", body
    assert body["properties"] == [{"key": u"theme", "value": u"dark"}], body["properties"]
    assert body["vcard"]["nickname"] == u"Al" and body["vcard"]["photo"]["type"] == u"image/png"
    world.call(account.update_account, u"alice", {"vcard": {"fullName": u"Alice Anders"}})
    vcard = world.call(users.get_user, u"alice")["vcard"]
    assert vcard["nickname"] == u"Al" and vcard["fullName"] == u"Alice Anders", vcard
    assert world.token_works(u"alice"), "a profile change ended the token"


def test_refused_update_changes_nothing():
    world = World()
    for body in ({"name": u"New", "vcard": {"photo": photo(70 * 1024)}},
                 {"name": u"New", "email": u"not an address"},
                 {"name": u"New", "username": u"bob"}, {"name": 5},
                 {"name": u"New", "vcard": {"photo": {"type": u"text/html", "data": u"AA=="}}},
                 {"name": u"New", "vcard": {"photo": {"type": u"image/png", "data": u"!!"}}},
                 {"name": u"New", "password": u"pw2"}):
        error = raised(lambda: world.call(account.update_account, u"alice", body))
        assert isinstance(error, (BadRequest, PayloadTooLarge)), "%r: %r" % (body, error)
    assert world.openfire.get_user(u"alice").name == u"Alice", "half-applied"
    assert isinstance(raised(lambda: world.call(account.update_account, u"alice", {
        "vcard": {"photo": photo(70 * 1024)}})), PayloadTooLarge), "no photo limit"


def test_password_change_needs_the_current_one_and_ends_other_tokens():
    world = World()
    error = raised(lambda: world.call(account.update_account, u"alice",
                                      {"password": u"new-pw", "currentPassword": u"wrong"}))
    assert isinstance(error, Forbidden), repr(error)
    assert world.openfire.authenticate(u"alice", u"alice-pw"), "changed with a wrong password"
    other_token, _ = world.app.authenticator.login(u"alice", u"alice-pw")
    answer = world.call(account.update_account, u"alice",
                        {"password": u"new-pw", "currentPassword": u"alice-pw"})
    assert world.openfire.authenticate(u"alice", u"new-pw"), "password not changed"
    assert not world.openfire.authenticate(u"alice", u"alice-pw"), "old password still works"
    assert not world.token_works(u"alice"), "the old token still works"
    assert raised(lambda: world.app.authenticator.authenticate(other_token)) is not None, \
        "another token of the user still works"
    assert world.app.authenticator.authenticate(answer["token"]).username == u"alice", \
        "the fresh token does not work"


def test_wrong_current_passwords_count_towards_the_login_limit():
    world = World()
    limit = world.app.settings.get(config.LOGIN_FAILURES_PER_USER)
    for _ in range(limit):
        raised(lambda: world.call(account.update_account, u"alice", {
            "password": u"x", "currentPassword": u"no"}))
    error = raised(lambda: world.app.authenticator.login(u"alice", u"alice-pw"))
    assert isinstance(error, TooManyRequests), "guesses through PUT /user were not counted"


def test_read_only_user_provider_is_403_before_any_change():
    world = World()
    world.openfire.users_read_only = True
    for body in ({"name": u"X"}, {"password": u"x", "currentPassword": u"alice-pw"}):
        error = raised(lambda: world.call(account.update_account, u"alice", body))
        assert isinstance(error, Forbidden) and "LDAP" in error.message, repr(error)
    world.call(account.update_account, u"alice", {"vcard": {"nickname": u"ok"}})
    world.openfire.vcards_read_only = True
    error = raised(lambda: world.call(account.update_account, u"alice",
                                      {"name": u"X", "vcard": {"nickname": u"no"}}))
    assert isinstance(error, Forbidden), repr(error)


def test_delete_is_off_by_default_then_needs_the_password_and_never_takes_an_admin():
    world = World()
    assert isinstance(raised(lambda: world.call(account.delete_account, u"alice",
                                                {"password": u"alice-pw"})), Forbidden)
    assert world.openfire.get_user(u"alice") is not None, "deleted while switched off"
    world.app.settings.set(config.ACCOUNT_DELETE_ENABLED, u"true")
    assert isinstance(raised(lambda: world.call(account.delete_account, u"alice",
                                                {"password": u"bad"})), Forbidden)
    assert isinstance(raised(lambda: world.call(account.delete_account, u"admin",
                                                {"password": u"admin-pw"})), Forbidden)
    stream = world.stream(u"alice")
    session = world.app.sessions.get(u"alice")
    assert session is not None and not session.ended and not stream.closed, "no live session"
    world.call(account.delete_account, u"alice", {"password": u"alice-pw"})
    assert world.openfire.get_user(u"alice") is None, "not deleted"
    assert not world.token_works(u"alice"), "the token outlived the account"
    assert session.ended and stream.closed, "the deleted user's session or stream lives on"


def test_directory_shows_names_not_emails_or_properties_and_can_be_switched_off():
    world = World()
    world.openfire.set_user_property(u"carol", u"theme", u"secret-ish")
    found = world.call(account.search_users, u"alice", query={"search": u"car"})["users"]
    assert found == [{"username": u"carol", "name": u"Carol"}], found
    assert world.call(account.search_users, u"alice", query={"search": u"carol@example"})[
        "users"] == [], "searched emails while they are hidden"
    world.app.settings.set(config.DIRECTORY_SHOW_EMAIL, u"true")
    found = world.call(account.search_users, u"alice", query={"search": u"carol@example"})["users"]
    assert found == [{"username": u"carol", "name": u"Carol", "email": u"carol@example.test"}]
    page = world.call(account.search_users, u"alice", query={"start": u"1", "limit": u"2"})
    assert [u["username"] for u in page["users"]] == [u"alice", u"bob"], page
    for query in ({"limit": u"101"}, {"start": u"-1"}, {"limit": u"1e3"},
                  {"propertyKey": u"theme"}, {"search": u"x" * 101}):
        error = raised(lambda: world.call(account.search_users, u"alice", query=query))
        assert isinstance(error, BadRequest), "%r: %r" % (query, error)
    world.app.settings.set(config.DIRECTORY_ENABLED, u"false")
    assert isinstance(raised(lambda: world.call(account.search_users, u"alice")), Forbidden)


def test_groups_open_closed_missing_and_all_or_nothing():
    world = World()
    world.openfire.add_group(u"chess")
    world.openfire.add_group(u"staff")
    world.app.settings.set(config.GROUPS_SELF_SERVICE, u"chess")
    answer = world.call(groups.join_group, u"alice", groupName=u"chess")
    assert answer == {"groupnames": [u"chess"]}, answer
    assert isinstance(raised(lambda: world.call(groups.join_group, u"alice",
                                                groupName=u"staff")), Forbidden)
    error = raised(lambda: world.call(groups.join_groups, u"bob",
                                      {"groupnames": [u"chess", u"nope"]}))
    assert isinstance(error, NotFound), repr(error)
    assert isinstance(raised(lambda: world.call(groups.join_groups, u"bob",
                                                {"groupnames": [u"chess", u"staff"]})), Forbidden)
    assert world.call(groups.get_groups, u"bob") == {"groupnames": []}, "half-applied batch"
    assert world.openfire.find_group(u"nope") is None, "a group was created"
    world.call(groups.join_groups, u"admin", {"groupnames": [u"chess", u"staff"]})
    assert world.call(groups.get_groups, u"admin") == {"groupnames": [u"chess", u"staff"]}
    world.call(groups.leave_groups, u"admin", {"groupnames": [u"staff"]})
    assert world.call(groups.get_groups, u"admin") == {"groupnames": [u"chess"]}


def test_a_batch_failing_midway_undoes_what_it_did():
    world = World()
    for name in (u"a", u"b", u"c"):
        world.openfire.add_group(name)
    world.app.settings.set(config.GROUPS_SELF_SERVICE, u"a,b,c")
    world.call(groups.join_group, u"alice", groupName=u"b")
    add = world.openfire.add_group_member

    def failing_add(group, username):
        if group == u"c":
            raise RuntimeException("database gone")
        add(group, username)
    world.openfire.add_group_member = failing_add
    assert raised(lambda: world.call(groups.join_groups, u"alice",
                                     {"groupnames": [u"a", u"b", u"c"]})) is not None
    assert world.call(groups.get_groups, u"alice") == {"groupnames": [u"b"]}, \
        "not all-or-nothing: %r" % world.call(groups.get_groups, u"alice")

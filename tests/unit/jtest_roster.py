"""The roster API against the in-memory Openfire: changes are roster sets from the user's own
session (other clients get pushes), subscriptions are handshakes, shared contacts are fixed."""
from __future__ import absolute_import

from sparkweb.api import roster
from sparkweb.errors import BadRequest, Conflict, NotFound
from sparkweb.xmpp import stanza as model
from contacts_support import World
from support import raised


class Client(object):
    """Another XMPP client of a user (a phone, say): records what the server sends it."""

    def __init__(self, openfire, username):
        self.stanzas = []
        self.session = openfire.open_session(username, u"phone", self)
        self.session.send(model.presence())

    def on_stanza(self, stanza):
        self.stanzas.append(stanza)

    def on_closed(self):
        pass

    def pushes(self):
        return [item for s in self.stanzas if s.kind == "iq" and s.type == "set"
                for item in s.roster]


def entry(world, user, jid):
    found = [e for e in world.call(roster.get_roster, user)["roster"] if e["jid"] == jid]
    return found[0] if found else None


def test_adding_a_contact_is_a_roster_set_pushed_to_the_users_other_clients():
    world = World()
    phone = Client(world.openfire, u"alice")
    added = world.call(roster.create_roster_item, u"alice",
                       {"jid": u"carol", "nickname": u"Caro", "groups": [u"Friends"],
                        "subscriptionType": 3})
    assert added["jid"] == u"carol@example.test" and added["groups"] == [u"Friends"], added
    assert added["subscription"] == "none", "a body forced a subscription: %r" % added
    pushed = [item for item in phone.pushes() if item.jid == u"carol@example.test"]
    assert pushed and pushed[0].name == u"Caro", "no roster push: %r" % phone.stanzas
    assert entry(world, u"alice", u"carol@example.test")["nickname"] == u"Caro"
    assert entry(world, u"carol", u"alice@example.test") is None, "carol's roster changed"


def test_roster_change_shows_on_the_users_own_stream():
    world = World()
    stream = world.stream(u"alice")
    world.call(roster.create_roster_item, u"alice", {"jid": u"carol@example.test"})
    pushes = stream.named("chatapi.roster")
    assert pushes and u"carol@example.test" in pushes[-1].text, [e.name for e in stream.events]


def test_existing_contact_is_409_missing_is_404():
    world = World()
    assert isinstance(raised(lambda: world.call(roster.create_roster_item, u"alice",
                                                {"jid": u"bob"})), Conflict)
    for handler in (roster.update_roster_item, roster.delete_roster_item):
        error = raised(lambda: world.call(handler, u"alice", {"nickname": u"x"}, jid=u"carol"))
        assert isinstance(error, NotFound), "%s: %r" % (handler.__name__, error)


def test_update_keeps_absent_fields_and_delete_cancels_both_ways():
    world = World()
    world.call(roster.create_roster_item, u"alice", {"jid": u"carol", "nickname": u"C",
                                                     "groups": [u"Work"]})
    world.call(roster.update_roster_item, u"alice", {"nickname": u"Carol B."}, jid=u"carol")
    changed = entry(world, u"alice", u"carol@example.test")
    assert changed["nickname"] == u"Carol B." and changed["groups"] == [u"Work"], changed
    world.call(roster.delete_roster_item, u"alice", jid=u"bob@example.test")
    assert entry(world, u"alice", u"bob@example.test") is None, "bob still in alice's roster"
    bobs = entry(world, u"bob", u"alice@example.test")
    assert bobs is not None and bobs["subscription"] == "none", \
        "bob's side kept a subscription alice cancelled: %r" % bobs


def test_subscription_handshake_accept_and_refuse():
    world = World()
    carol_stream = world.stream(u"carol")
    world.call(roster.create_roster_item, u"alice", {"jid": u"carol", "subscribe": True})
    asked = [e for e in carol_stream.named("chatapi.presence") if u'"subscribe"' in e.text]
    assert asked and u"alice@example.test" in asked[0].text, "carol saw no request"
    assert entry(world, u"alice", u"carol@example.test")["subscription"] == "none"
    world.call(roster.accept_subscription, u"carol", jid=u"alice@example.test")
    assert entry(world, u"alice", u"carol@example.test")["subscription"] == "to"
    assert entry(world, u"carol", u"alice@example.test")["subscription"] == "from"
    assert world.openfire.can_probe(u"alice", u"carol"), "accepted but presence not shared"
    world.call(roster.create_roster_item, u"carol", {"jid": u"admin", "subscribe": True})
    world.call(roster.refuse_subscription, u"admin", jid=u"carol")
    assert entry(world, u"carol", u"admin@example.test")["subscription"] == "none"
    assert not world.openfire.can_probe(u"carol", u"admin"), "refused but presence shared"


def test_request_waiting_for_an_offline_user_is_shown_at_sign_in():
    world = World()
    world.call(roster.create_roster_item, u"alice", {"jid": u"carol", "subscribe": True})
    stream = world.stream(u"carol")   # carol's session starts only now
    asked = [e for e in stream.events if e.name == "chatapi.presence" and u'"subscribe"' in e.text]
    assert asked, "the waiting request was not offered: %r" % [e.text for e in stream.events]


def test_shared_group_contacts_are_listed_marked_and_fixed():
    world = World()
    world.openfire.add_group(u"staff", [u"alice", u"carol"], shared_as=u"Staff")
    shared = entry(world, u"alice", u"carol@example.test")
    assert shared and shared["shared"] and shared["groups"] == [u"Staff"], shared
    for handler in (roster.update_roster_item, roster.delete_roster_item):
        error = raised(lambda: world.call(handler, u"alice", {"nickname": u"x"}, jid=u"carol"))
        assert isinstance(error, BadRequest) and "shared" in error.message, repr(error)
    error = raised(lambda: world.call(roster.create_roster_item, u"alice",
                                      {"jid": u"admin", "groups": [u"Staff"]}))
    assert isinstance(error, BadRequest), "a contact was put in a shared group: %r" % error
    assert entry(world, u"alice", u"admin@example.test") is None, "half-applied"


def test_bad_input_is_400_and_changes_nothing():
    world = World()
    before = world.call(roster.get_roster, u"alice")
    for body in ({"jid": u"a@b@c"}, {"jid": u"carol@example.test/phone"}, {"jid": u"alice"},
                 {"jid": 7}, {"jid": u"carol", "groups": u"Friends"},
                 {"jid": u"carol", "groups": [u"a", u"a"]}, {"jid": u"carol", "groups": [u""]},
                 {"jid": u"carol", "nickname": u"\u0001"}, {"jid": u"carol", "subscribe": u"yes"},
                 {}, [u"carol"]):
        error = raised(lambda: world.call(roster.create_roster_item, u"alice", body))
        assert isinstance(error, BadRequest), "%r: %r" % (body, error)
    assert world.call(roster.get_roster, u"alice") == before, "a refused request changed it"

"""The roster and group APIs when the server refuses for its own reasons, and when another request
changes the roster at the same moment."""
from __future__ import absolute_import

from sparkweb import config
from sparkweb.api import groups, roster
from sparkweb.errors import Forbidden, NotFound, ServiceUnavailable
from sparkweb.xmpp import stanza as model
from contacts_support import World
from support import raised


def answering(world, condition):
    """The server answers every roster set with the error ``condition``."""
    def refuse(username, iq):
        return model.Stanza("iq", type="error", id=iq.id, error=condition)
    world.openfire.xmpp.contacts.roster_set = refuse


def test_a_roster_set_the_server_does_not_allow_is_403():
    world = World()
    answering(world, u"not-allowed")
    error = raised(lambda: world.call(roster.create_roster_item, u"alice", {"jid": u"carol"}))
    assert isinstance(error, Forbidden), "not-allowed answered %r" % error


def test_a_server_side_failure_is_503_not_a_client_error():
    for condition in (u"internal-server-error", u"service-unavailable", u"resource-constraint"):
        world = World()
        answering(world, condition)
        error = raised(lambda: world.call(roster.delete_roster_item, u"alice", jid=u"bob"))
        assert isinstance(error, ServiceUnavailable), "%s answered %r" % (condition, error)


def test_a_contact_deleted_right_after_it_was_added_answers_what_was_sent():
    world = World()
    listed = world.openfire.roster
    calls = []

    def roster_then_gone(username):     # a concurrent DELETE between the set and the read
        calls.append(username)
        return listed(username) if len(calls) == 1 else []
    world.openfire.roster = roster_then_gone
    added = world.call(roster.create_roster_item, u"alice",
                       {"jid": u"carol", "nickname": u"Caro", "groups": [u"Friends"]})
    assert added["jid"] == u"carol@example.test" and added["nickname"] == u"Caro" and \
        added["groups"] == [u"Friends"], "answer: %r" % added


def test_a_group_deleted_between_the_check_and_the_change_is_404():
    world = World()
    world.openfire.add_group(u"chess")
    world.app.settings.set(config.GROUPS_SELF_SERVICE, u"chess")
    checked = world.openfire.find_group

    def found_then_deleted(name):          # an administrator deletes it right after the check
        answer = checked(name)
        world.openfire.xmpp.contacts.groups.pop(name, None)
        return answer
    world.openfire.find_group = found_then_deleted
    error = raised(lambda: world.call(groups.join_group, u"alice", groupName=u"chess"))
    assert isinstance(error, NotFound), "a group deleted meanwhile answered %r" % error

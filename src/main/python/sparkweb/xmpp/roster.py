"""Roster items and roster sets (RFC 6121 section 2), independent of Openfire's packet classes.

A roster change is what any XMPP client sends: an IQ set with one ``<item/>`` in
``jabber:iq:roster``, through the user's own session, so that the server applies its own rules
(shared groups, RFC 6121 error cases) and pushes the change to every other client of the user.
The ``subscription`` of a set is ``remove`` or nothing: the server ignores any other value (RFC
6121 2.1.5), which is why a page cannot force a subscription; subscriptions are presence
handshakes (:func:`subscription`).
"""
from __future__ import absolute_import

from sparkweb.secure_random import random_id
from sparkweb.xmpp import stanza as model

NS_ROSTER = "jabber:iq:roster"
SUBSCRIPTIONS = ("none", "to", "from", "both")
# The numbers of the spec's RosterItemEntity.subscriptionType (Openfire's RosterItem.SubType).
SUBSCRIPTION_NUMBERS = {"remove": -1, "none": 0, "to": 1, "from": 2, "both": 3}
# What a page may say to a contact about presence subscriptions (RFC 6121 3.1 and 3.3).
SUBSCRIPTION_ANSWERS = {"accept": "subscribed", "refuse": "unsubscribed",
                        "request": "subscribe", "cancel": "unsubscribe"}


class Item(object):
    def __init__(self, jid, name=None, groups=(), subscription=None, ask=None):
        self.jid = jid
        self.name = name
        self.groups = list(groups)
        self.subscription = subscription
        self.ask = ask

    def __repr__(self):
        return "<roster.Item %s %s>" % (self.jid, self.subscription)


def _iq(item):
    return model.Stanza("iq", type="set", id=u"sw-roster-" + random_id(),
                        roster=[item])


def roster_set(jid, name, groups):
    """Adds or changes the contact ``jid``; name and group names must be XML text."""
    return _iq(Item(jid, model.xml_text("nickname", name),
                    [model.xml_text("groups", group) for group in groups]))


def roster_remove(jid):
    return _iq(Item(jid, subscription="remove"))


def subscription(jid, answer):
    """The presence stanza of ``answer`` (a key of SUBSCRIPTION_ANSWERS) to the bare ``jid``."""
    return model.presence(type=SUBSCRIPTION_ANSWERS[answer], recipient=jid)

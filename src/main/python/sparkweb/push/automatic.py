"""Automatic notifications: what reaches a user while none of their SparkWeb pages is visible.

Pushed: a one-to-one message with a body, a group-chat message whose body names the user's
nickname in that room (as a word, any case), and a room invitation - when the user's session
has no event stream, or every stream's page said it is hidden (PUT /webpush/visibility); and
every message Openfire stores offline for a user with no session at all. Not pushed: the
user's own room messages, room history replayed on joining (delayed), chat states, and
messages delivered late (a ``delay`` element: offline storage, which was pushed when stored;
room history), anything for users who switched automatic pushes off (``sparkweb.webpush.automatic`` false).

The checks on the routing thread are cheap; the user's preference, names and the sending run
on the push pool. The title is the sender's name (their roster nickname, or their name for
local users) after their address, which no sender can choose; the body the text or, with
``sparkweb.webpush.neutralText`` or for a sender not in the user's roster, a neutral one; the
tag (one per conversation) lets a newer notification replace an older one.

Automatic pushes from one sender (a room counts as one) to one user are limited like published
ones: ``sparkweb.webpush.publishPerMinute`` a minute; beyond, they are dropped and counted
(``limited``). Messages are never held back, only their notifications: the device shows the
conversation's newest one anyway (one tag per conversation).
"""
from __future__ import absolute_import

import re
import unicodedata

from sparkweb import config
from sparkweb.errors import TooManyRequests
from sparkweb.push.notifications import Notification

NEUTRAL = {"chat": u"New message", "mention": u"You were mentioned", "invitation":
           u"New invitation"}
MAX_NAME_CHARS = 24
PUSHED_MESSAGE_TYPES = (None, "chat", "normal")   # not headlines, not bounced errors
# A delay element (XEP-0203, or the legacy XEP-0091 x): matched on tags only - text (a body
# that names the namespace) cannot contain '<' in serialised XML.
_DELAYED = re.compile(r"""<(?:[\w.-]+:)?(?:delay|x)\b[^>]*\bxmlns(?::[\w.-]+)?\s*=\s*"""
                      r"""["'](?:urn:xmpp:delay|jabber:x:delay)["']""")


def _bare(address):
    return (address or u"").partition(u"/")[0]


class AutomaticPushes(object):
    def __init__(self, openfire, settings, sender, limits):
        self._openfire = openfire
        self._settings = settings
        self._sender = sender
        self._limits = limits   # publishing.AutomaticLimits

    # --- on the routing thread --------------------------------------------------------------
    def on_session_stanza(self, session, stanza):
        """Called by a user's session for each stanza it received (after the streams had it)."""
        if stanza.kind != "message" or session.opening or session.has_visible_stream():
            return   # opening: offline messages, pushed when they were stored
        kind = self._kind(session, stanza)
        if kind is not None:
            self._queue(session.username, kind, stanza)

    def message_stored(self, username, stanza):
        """Openfire stored a message offline for ``username`` (no session at all)."""
        kind = "invitation" if stanza.invite is not None else (
            "chat" if stanza.body and stanza.type in PUSHED_MESSAGE_TYPES else None)
        if kind is not None:
            self._queue(username, kind, stanza)

    def _kind(self, session, stanza):
        if stanza.xml is not None and _DELAYED.search(stanza.get_xml()):
            return None   # delivered late (offline storage, room history): pushed before
        if stanza.invite is not None:
            return "invitation"
        if not stanza.body:
            return None
        if stanza.type == "groupchat":
            return "mention" if self._mentions(session, stanza) else None
        return "chat" if stanza.type in PUSHED_MESSAGE_TYPES else None

    def _mentions(self, session, stanza):
        """A room message naming the user's nickname in a room the session joined (the
        session's own record of its rooms: presences anyone can forge do not count)."""
        room, _, speaker = (stanza.sender or u"").partition(u"/")
        nickname = session.rooms.nick_in(room)
        if not nickname or not speaker or speaker == nickname:
            return False
        pattern = u"(?<![\\w])%s(?![\\w])" % re.escape(nickname)
        return re.search(pattern, stanza.body, re.IGNORECASE | re.UNICODE) is not None

    def _queue(self, username, kind, stanza):
        if self._settings.get(config.WEBPUSH_AUTOMATIC):
            self._sender.submit(lambda: self._push(username, kind, stanza))

    # --- on the push pool ---------------------------------------------------------------------
    def _push(self, username, kind, stanza):
        if self._opted_out(username):
            return
        devices = self._openfire.push_subscriptions(username)
        if not devices:
            return   # nothing to ring: the sender's allowance stays untouched
        try:   # anyone may message anyone: without this, a stranger rings a phone at will
            self._limits.take(_bare(stanza.sender), username)
        except TooManyRequests:
            self._sender.count("limited")
            return
        self._sender.send_to_user(username, self.notification(username, kind, stanza), devices)

    def _opted_out(self, username):
        value = self._openfire.get_user_properties(username).get(config.WEBPUSH_OPT_OUT_PROPERTY)
        return value == u"false"

    def notification(self, username, kind, stanza):
        """The title always carries the real sender's address (the room's, for room messages
        and invitations a room sent): a display name, a nickname or an invitation's inner
        ``from`` are chosen by the sender and could pose as someone else. The text of anyone
        not in the user's roster is replaced by the neutral one: a stranger's words do not reach
        the lock screen."""
        sender = _bare(stanza.sender)
        neutral = self._settings.get(config.WEBPUSH_NEUTRAL_TEXT) or (
            kind != "mention" and not self._is_contact(username, sender) and
            not (kind == "invitation" and _from_room(stanza)))
        if kind == "invitation":
            room = _bare(stanza.invite.get("room")) or sender
            body = NEUTRAL[kind] if neutral else u"Invitation to %s" % room
            return Notification(with_address(self._name_of(username, sender), sender), body,
                                kind, tag=u"invitation:" + room, sender=sender)
        if kind == "mention":
            speaker = stanza.sender.partition(u"/")[2]
            title, tag = with_address(speaker, sender), u"groupchat:" + sender
        else:
            title, tag = with_address(self._name_of(username, sender), sender), u"chat:" + sender
        body = NEUTRAL[kind] if neutral else stanza.body
        return Notification(title, body, kind, tag=tag, sender=sender, urgency="high")

    def _is_contact(self, username, bare):
        """A roster entry with a presence subscription either way: Openfire also lists, with
        subscription none, anyone who merely asked to subscribe (S5-13-1)."""
        return any(entry.jid == bare and entry.subscription in (1, 2, 3)
                   for entry in self._openfire.roster(username))

    def _name_of(self, username, bare):
        for entry in self._openfire.roster(username):
            if entry.jid == bare and entry.nickname:
                return entry.nickname
        node, _, domain = bare.rpartition(u"@")
        if node and domain == self._openfire.xmpp_domain():
            user = self._openfire.get_user(node)
            if user is not None and user.name:
                return user.name
        return bare


def _from_room(stanza):
    """A mediated invitation (XEP-0045 7.8.2): the room, a bare address, relays it; its text
    names only that room."""
    return not stanza.invite.get("direct") and u"/" not in (stanza.sender or u"/")


def _text(name):
    """``name`` as unicode (unicodedata refuses byte strings, which the dev host's names are)."""
    if not name:
        return u""
    return name if isinstance(name, unicode) else name.decode("utf-8", "replace")


def with_address(name, address):
    """``address (Name)``: the address first, so no name can push it out of a one-line title;
    the name cleaned of control, format and line characters and runs of spaces, at most
    MAX_NAME_CHARS, and left out when it holds an address itself (S5-13-7)."""
    name = u" ".join(u"".join(c for c in _text(name) if unicodedata.category(c) not in
                              ("Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn")).split())
    if not name or name == address or u"@" in name:
        return address
    if len(name) > MAX_NAME_CHARS:
        name = name[:MAX_NAME_CHARS - 1] + u"\u2026"
    return u"%s (%s)" % (address, name)

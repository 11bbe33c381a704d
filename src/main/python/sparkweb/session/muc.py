"""The rooms a user's session is in (XEP-0045), and acting in them as an XMPP client does.

Everything is sent by the user's own session, so Openfire's MUC service applies its rules
(members-only, passwords, bans, moderation, occupant limits, who may create rooms); its answer
is awaited here and a refusal becomes an :class:`~sparkweb.xmpp.refusals.XmppRefusal`.

Joined rooms belong to the session, not to a page: every tab sees them, they survive page
reloads within the grace period, and :meth:`JoinedRooms.leave_all` leaves them with
unavailable presence when the session ends. What the rooms send becomes ``chatapi.muc``
events (``events.muc_events``) on all of the user's streams.

Nothing here holds a lock while sending: the waits are latches filled by ``on_stanza``, which
Openfire may call on the sending thread itself (it delivers locally and synchronously). The
one IQ (accepting a new room's configuration) goes through the session's ``request``
(``session.requests``) like every IQ; joins, leaves and messages are answered by presences and
messages that are also events, so they are awaited here and not consumed.
"""
from __future__ import absolute_import

from java.lang import Throwable
from java.util.concurrent import ConcurrentHashMap, Semaphore, TimeUnit

from sparkweb.errors import NotFound, ServiceUnavailable, TooManyRequests
from sparkweb.events import muc_events
from sparkweb.log import logger
from sparkweb.secure_random import random_id
from sparkweb.session.muc_answers import ANSWER_SECONDS, Answer, PostedIds
from sparkweb.xmpp import stanza as model
from sparkweb.xmpp.refusals import NoAnswer, XmppRefusal

LOG = logger("muc")
ERROR = u"error"           # the type of a stanza that reports a refusal


def _new_id():
    return random_id()


class JoinedRooms(object):
    def __init__(self, send, request):
        self._send = send                      # the session's send (limits, activity)
        self._request = request                # the session's IQ send-and-wait
        self._nicks = ConcurrentHashMap()      # room JID -> our nickname there
        self._occupants = ConcurrentHashMap()  # room JID -> {nick: real JID or None}
        self._passwords = ConcurrentHashMap()  # room JID -> the password it was entered with
        self._answers = ConcurrentHashMap()    # (kind, key) -> Answer
        self._posted = PostedIds()             # ids of the messages this session posted
        # One join at a time per session (review A8): a burst of parallel joins of one user
        # made Openfire's room manager race (ConcurrentModificationException, no answer), and
        # the room count checked before a join holds while it runs. Only join() takes it and
        # nothing it waits for (on_stanza, Openfire's delivery) does, so it cannot deadlock.
        self._one_join = Semaphore(1)

    # --- what the REST API asks ---------------------------------------------------------------
    def nick_in(self, room):
        return self._nicks.get(room)

    def joined(self):
        return dict(self._nicks)

    def join(self, room, nick, password=None, admit=None):
        """Enters ``room`` (a bare room JID) as ``nick``. Returns ``{"room", "nick",
        "created", "alreadyJoined"}``; a new room is configured as an instant room.
        ``admit(rooms_in)`` may refuse a join that would reach the room (limits)."""
        if not self._one_join.tryAcquire(ANSWER_SECONDS + 5, TimeUnit.SECONDS):
            raise TooManyRequests("Another join of yours is still waiting for its room.",
                                  {"Retry-After": str(ANSWER_SECONDS)})
        try:
            current = self._nicks.get(room)
            if current is not None:
                return {"room": room, "nick": current, "created": False, "alreadyJoined": True}
            presence = model.room_join(u"%s/%s" % (room, nick), password)  # 400 before waiting
            if admit is not None:
                admit(self._nicks.size())
            joined = self._join(room, nick, presence)
            if password is not None:               # to enter it again (rejoin_all)
                self._passwords.put(room, password)
            return joined
        finally:
            self._one_join.release()

    def _join(self, room, nick, presence):
        answer, mine = self._expect(("join", room))
        if mine:
            self._occupants.putIfAbsent(room, ConcurrentHashMap())
        try:
            reply = self._await(("join", room), answer, presence if mine else None)
        finally:
            if self._nicks.get(room) is None:      # refused, unanswered or never sent
                self._occupants.remove(room)
        if reply.type == ERROR or self._nicks.get(room) is None:
            raise XmppRefusal(reply.error if reply.type == ERROR else "forbidden")
        created = 201 in _codes(reply)
        if created and mine:
            self._accept_default_configuration(room)
        return {"room": room, "nick": self._nicks.get(room) or nick, "created": created,
                "alreadyJoined": False}

    def leave(self, room):
        nick = self.require(room)
        answer, mine = self._expect(("leave", room))
        self._await(("leave", room), answer,
                    model.room_leave(u"%s/%s" % (room, nick)) if mine else None, refuse=False)
        self._forget(room)
        return {"room": room, "nick": nick}

    def post(self, room, body, data):
        self.require(room)
        message_id = _new_id()
        message = model.room_message(room, body=body, data=data, id=message_id)
        self._posted.add(message_id)           # before it is sent: the room echoes it at once
        answer, _ = self._expect(("message", message_id))
        reply = self._await(("message", message_id), answer, message)
        if reply.type == ERROR:
            raise XmppRefusal(reply.error)
        return {"id": message_id, "room": room}

    def invite(self, room, invitee, reason):
        """A mediated invitation. Openfire answers only refusals; it handles the stanza
        before ``send`` returns (local delivery is synchronous), so one that has not arrived
        by then is not coming."""
        self.require(room)
        message_id = _new_id()
        answer, _ = self._expect(("message", message_id))
        try:
            self._send(model.room_invite(room, invitee, reason, id=message_id))
            reply = answer.wait(0)
        finally:
            self._answers.remove(("message", message_id), answer)
        if reply is not None and reply.type == ERROR:
            raise XmppRefusal(reply.error)
        return {"room": room, "invited": invitee}

    def leave_all(self, xmpp):
        """At the end of the session: unavailable presence to every joined room, sent on the
        XMPP session directly (the user session no longer accepts sends)."""
        for room, nick in list(self._nicks.items()):
            try:
                xmpp.send(model.room_leave(u"%s/%s" % (room, nick)))
            except (Exception, Throwable) as error:   # the session closes anyway
                LOG.debug("Leaving %s failed: %s" % (room, error))
        self._nicks.clear()
        self._occupants.clear()
        self._passwords.clear()

    def rejoin_all(self, xmpp):
        """Enters every joined room again under the same nickname, without its history (the
        page has it): a room treats the presence of a non-occupant as a join and that of an
        occupant as a re-join, and answers with its state, tracked by :meth:`on_stanza`."""
        for room, nick in list(self._nicks.items()):
            try:
                xmpp.send(model.room_join(u"%s/%s" % (room, nick), self._passwords.get(room),
                                          history=0))
            except (Exception, Throwable) as error:   # the page can still leave and join
                LOG.info("Entering %s again failed: %s" % (room, error))

    def forget_all(self):
        self._nicks.clear()
        self._occupants.clear()
        self._passwords.clear()

    # --- what the rooms send -----------------------------------------------------------------
    def on_stanza(self, stanza):
        """Tracks our rooms, fills awaited answers, and returns the ``chatapi.muc`` events of
        a stanza from a room; None when the stanza is not about a room we know of."""
        sender = stanza.sender or u""
        room, _, nick = sender.partition(u"/")
        room = room.lower()
        if stanza.kind == "message" and stanza.id and stanza.type in (ERROR, "groupchat"):
            self._fill(("message", stanza.id), stanza)
        ours = self._nicks.containsKey(room) or room in self._pending_joins()
        if not ours:       # not a room we are in or joining: whatever it says, not a room's
            return None
        if stanza.kind == "presence" and (stanza.muc is not None or stanza.type == ERROR):
            return self._room_presence(stanza, room, nick)
        if stanza.kind == "message" and stanza.type == "groupchat":
            return muc_events.for_message(stanza, room, nick, self._sender_jid(stanza, room,
                                                                               nick),
                                          mine=self._posted.contains(stanza.id))
        return None

    def _sender_jid(self, stanza, room, nick):
        """The sender's real JID as the room disclosed it: for a replayed message the delay's
        ``from`` (the sender then; the nickname may have another holder now), for a live one
        the occupant's as its presence gave it."""
        if stanza.delay is not None:
            sender = (stanza.delay or {}).get("from") or u""
            return sender if sender and sender.partition(u"/")[0].lower() != room else None
        known = (self._occupants.get(room) or {}).get(nick)
        return known[0] if known else None

    def _room_presence(self, stanza, room, nick):
        codes = _codes(stanza)
        if stanza.type == ERROR:
            self._fill(("join", room), stanza)     # a refusal answers the request, no event
            return []
        item = (stanza.muc or {}).get("item") or {}
        own = 110 in codes or (nick == self._nicks.get(room) and
                               (stanza.muc or {}).get("destroy") is not None)
        occupants = self._occupants.get(room)
        before = occupants.get(nick) if occupants is not None else None
        entering = self._nicks.get(room) is None and not own   # the roster sent on join
        if occupants is not None:
            if stanza.type == "unavailable":
                occupants.remove(nick)
                if 303 in codes and item.get("nick"):    # the role stays with the new nick
                    occupants.put(item["nick"], before or (item.get("jid"), None))
            else:
                occupants.put(nick, (item.get("jid") or (before or (None,))[0], item.get("role")))
        if own:
            self._own_presence(stanza, room, nick, codes, item)
        return muc_events.for_presence(stanza, room, nick, item, codes, before, own, entering)

    def _own_presence(self, stanza, room, nick, codes, item):
        if stanza.type != "unavailable":
            self._nicks.put(room, nick)
            self._occupants.putIfAbsent(room, ConcurrentHashMap())
            self._occupants.get(room).put(nick, (item.get("jid"), item.get("role")))
            self._fill(("join", room), stanza)
        elif 303 in codes and item.get("nick"):
            self._nicks.put(room, item["nick"])
        else:
            self._forget(room)
            self._fill(("leave", room), stanza)
            self._fill(("join", room), stanza)

    # --- answers ---------------------------------------------------------------------------
    def _expect(self, key):
        """The answer awaited for ``key``; ``mine`` is False when another request awaits the
        same one (two tabs joining at once send one join)."""
        answer = Answer()
        existing = self._answers.putIfAbsent(key, answer)
        return (existing, False) if existing is not None else (answer, True)

    def _await(self, key, answer, stanza=None, refuse=True):
        """Sends ``stanza`` (None: another request sent it) and waits for the answer to
        ``key``; the awaited answer goes whatever happens, a refused send included (too
        large, the session ended), so that no stale one answers the next request."""
        try:
            if stanza is not None:
                self._send(stanza)
            reply = answer.wait()
        finally:
            self._answers.remove(key, answer)
        if reply is None and refuse:
            raise NoAnswer("The room did not answer within %d seconds." % ANSWER_SECONDS)
        return reply

    def _fill(self, key, stanza):
        answer = self._answers.get(key)
        if answer is not None:
            answer.offer(stanza)

    def _pending_joins(self):
        return [key[1] for key in self._answers.keySet() if key[0] == "join"]

    def _accept_default_configuration(self, room):
        try:
            reply = self._request(model.room_accept_default_configuration(room, _new_id()))
        except ServiceUnavailable:      # no answer in time: the room stays locked
            reply = None
        if reply is None or reply.type != "result":
            LOG.warn("The new room %s did not accept the default configuration" % room)

    def require(self, room):
        """Our nickname in ``room``; 404 when the session is not in it."""
        nick = self._nicks.get(room)
        if nick is None:
            raise NotFound("You are not in the room %s; join it first." % room)
        return nick

    def _forget(self, room):
        self._nicks.remove(room)
        self._occupants.remove(room)
        self._passwords.remove(room)


def sent_by_a_room(sender, openfire):
    """True when ``sender`` can be a room sending a mediated invitation (XEP-0045 7.8.2: only
    the room says who invited): a bare JID on one of this server's MUC services, or on a
    remote server (whose server-to-server connection vouches for its domain). A user of this
    server, or anything with a resource, is not a room."""
    bare, slash, _ = (sender or u"").partition(u"/")
    if slash or u"@" not in bare:
        return False
    domain, service_domain = openfire.xmpp_domain(), bare.partition(u"@")[2].lower()
    if service_domain == domain:
        return False
    if service_domain.endswith(u"." + domain):
        return openfire.muc_service_exists(service_domain[:-len(domain) - 1])
    return True


def _codes(stanza):
    return (stanza.muc or {}).get("codes") or []

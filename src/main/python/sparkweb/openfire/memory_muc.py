"""An in-memory XEP-0045 service for the in-memory Openfire: rooms answer joins, leaves, group
messages, subject changes, mediated invitations and the instant-room form the way Openfire's
MUC service does (the refusals in the order of ``MUCRoom.checkJoinRoomPreconditions``), so
unit and dev-host tests see what a session would see on Openfire.

One lock per service guards its rooms; what a change sends is collected under it and handed
to the sessions after it is released (never deliver while holding a lock).
"""
from __future__ import absolute_import

import copy
import time

from java.util.concurrent import ConcurrentHashMap
from java.util.concurrent.locks import ReentrantLock

from sparkweb.openfire.memory_muc_room import HISTORY_SIZE, Occupant, Room, bare_jid, stamp
from sparkweb.openfire.muc_records import OccupantRecord, RoomMessageRecord, RoomRecord, \
    RoomSummary
from sparkweb.xmpp import stanza as model

class MemoryMucService(object):
    def __init__(self, router, subdomain, clock=lambda: int(time.time() * 1000)):
        self.subdomain = subdomain
        self.domain = u"%s.%s" % (subdomain, router.domain)
        self._router = router
        self._clock = clock
        self._rooms = ConcurrentHashMap()
        self._lock = ReentrantLock()
        self.creation_restricted = False   # Openfire: "only permitted users may create rooms"
        self.allowed_to_create = set()     # bare JIDs, when creation is restricted
        self.loads = 0                     # dormant rooms loaded "from the database"

    # --- what an administrator does (tests, dev host) ----------------------------------------
    def create_room(self, name, owner=None, password=None, subject=u"", dormant=False,
                    **config):
        """A persistent room; ``dormant``: only stored, as Openfire keeps a room that was empty
        longer than ``unload.empty_days`` (it is loaded when something asks for it by name)."""
        room = Room(self, name.lower(), self._clock(), persistent=True, **config)
        room.dormant = dormant
        room.password, room.subject = password, subject
        if owner:
            room.affiliations[bare_jid(owner)] = u"owner"
        self._rooms.put(room.name, room)
        return room

    def set_affiliation(self, name, bare, affiliation):
        """Member/admin/owner/outcast list changes; an outcast in the room is banned (301)."""
        self._change(name, lambda room, out: self._affiliate(room, bare, affiliation, out))

    def kick(self, name, nick, reason=None):
        """Every client under ``nick`` goes (one user's clients may share it)."""
        def kick_all(room, out):
            for occupant in [o for o in room.occupants if o.nick.lower() == nick.lower()]:
                self._remove(room, occupant, out, 307, reason)
        self._change(name, kick_all)

    def destroy(self, name, reason=None):
        self._change(name, lambda room, out: self._destroy(room, reason, out))

    # --- reading ------------------------------------------------------------------------------
    def summaries(self, viewer):
        """The rooms held in memory (not the dormant ones), as Openfire's active rooms."""
        viewer = bare_jid(viewer)
        self._lock.lock()
        try:
            return [RoomSummary(room.name, room.jid, room.config.get("natural_name"),
                                room.config.get("public"), room.config.get("members_only"),
                                room.locked, room.affiliation(viewer), self._role_of(room, viewer))
                    for room in self._rooms.values() if not room.dormant]
        finally:
            self._lock.unlock()

    def record(self, name, viewer):
        self._lock.lock()
        try:
            room = self._loaded(name.lower())
            if room is None:
                return None
            return self._record(room, bare_jid(viewer))
        finally:
            self._lock.unlock()

    def _loaded(self, name):
        """The room, loaded into memory if it was dormant (Openfire's ``getChatRoom``)."""
        room = self._rooms.get(name) if name else None
        if room is not None and room.dormant:
            room.dormant = False
            self.loads += 1
        return room

    def _role_of(self, room, viewer):
        me = [o for o in room.occupants if bare_jid(o.session.jid) == viewer]
        return me[0].role if me else None

    def history(self, name):
        room = self._rooms.get(name.lower())
        return [copy.copy(message) for message in room.history] if room is not None else []

    def _record(self, room, viewer):
        lists = dict((kind + "s", sorted(jid for jid, a in room.affiliations.items() if a == kind))
                     for kind in ("owner", "admin", "member", "outcast"))
        fields = dict(room.config, subject=room.subject, locked=room.locked,
                      password_protected=room.password is not None,
                      creation_date=room.created, modification_date=room.modified,
                      occupants=[OccupantRecord(o.nick, room.occupant_jid(o.nick), o.session.jid,
                                                o.role, o.affiliation) for o in room.occupants],
                      viewer_affiliation=room.affiliation(viewer),
                      viewer_role=self._role_of(room, viewer), **lists)
        return RoomRecord(room.name, room.jid, **fields)

    # --- stanzas routed to the service ----------------------------------------------------------
    def process(self, session, stanza):
        out = []
        self._lock.lock()
        try:
            self._process(session, stanza, out)
        finally:
            self._lock.unlock()
        self._send(out)

    def _send(self, out):
        for target, delivered in out:     # outside the lock
            if target is None:
                self._router.deliver(delivered)
            else:
                self._router.hand_to(target, delivered)

    def session_closed(self, session):
        """Openfire removes the occupants of a session that ends (unavailable to each room)."""
        def leave_all(out):
            for room in list(self._rooms.values()):
                occupant = room.occupant_of(session)
                if occupant is not None:
                    self._remove(room, occupant, out, None, None, notify_self=False)
        out = []
        self._lock.lock()
        try:
            leave_all(out)
        finally:
            self._lock.unlock()
        self._send(out)

    def _change(self, name, change):
        out = []
        self._lock.lock()
        try:
            room = self._rooms.get(name.lower())
            if room is not None:
                change(room, out)
        finally:
            self._lock.unlock()
        self._send(out)

    def _process(self, session, stanza, out):
        address, _, nick = stanza.recipient.partition(u"/")
        node = address.partition(u"@")[0].lower() if u"@" in address else None
        room = self._loaded(node)
        if stanza.kind == "presence":
            self._presence(session, stanza, node, room, nick, out)
        elif stanza.kind == "message" and room is not None:
            self._message(session, stanza, room, out)
        elif stanza.kind == "iq" and room is not None and (stanza.muc or {}).get("owner_submit"):
            if room.affiliation(bare_jid(session.jid)) != "owner":
                return self._error(session, stanza, "forbidden", out)
            room.locked = False
            out.append((session, model.Stanza("iq", type="result", sender=room.jid,
                                              recipient=session.jid, id=stanza.id)))
        elif stanza.type not in ("error", "result"):
            self._error(session, stanza, "item-not-found", out)

    def _error(self, session, stanza, condition, out):
        """A refusal carrying the defined condition, as Stanza.error holds it."""
        out.append((session, model.Stanza(
            stanza.kind, type="error", sender=stanza.recipient, recipient=session.jid,
            id=stanza.id, error=condition)))

    # --- presence: join, leave, nickname change ---------------------------------------------------
    def _presence(self, session, stanza, node, room, nick, out):
        if stanza.type == "unavailable":
            occupant = room.occupant_of(session) if room is not None else None
            if occupant is not None:
                self._remove(room, occupant, out, None, None)
            return
        if stanza.type is not None:
            return
        if not nick:
            return self._error(session, stanza, "jid-malformed", out)
        occupant = room.occupant_of(session) if room is not None else None
        if occupant is not None:
            return self._change_nick(session, stanza, room, occupant, nick, out)
        self._join(session, stanza, node, room, nick, out)

    def _join(self, session, stanza, node, room, nick, out):
        bare = bare_jid(session.jid)
        created = room is None
        if created:
            if self.creation_restricted and bare not in self.allowed_to_create:
                return self._error(session, stanza, "not-allowed", out)
            room = Room(self, node, self._clock())
            room.affiliations[bare] = u"owner"
            room.locked = bool(stanza.muc and "join" in stanza.muc)   # instant if not MUC-aware
            self._rooms.put(node, room)
        affiliation = room.affiliation(bare)
        refusal = self._join_refusal(room, affiliation, nick, stanza, bare, created)
        if refusal:
            return self._error(session, stanza, refusal, out)
        occupant = Occupant(nick, session, room.role_for(affiliation), affiliation)
        for other in room.occupants:
            out.append((session, self._presence_of(room, other, session)))
        room.occupants.append(occupant)
        self._broadcast_presence(room, occupant, out, [201] if created else [])
        wanted = ((stanza.muc or {}).get("join") or {}).get("history")
        history = room.history if wanted is None else room.history[-wanted:] if wanted else []
        for message in history:
            out.append((session, self._history_stanza(room, message, session)))
        out.append((session, model.Stanza("message", type="groupchat", sender=room.jid,
                                          recipient=session.jid, subject=room.subject)))

    def _join_refusal(self, room, affiliation, nick, stanza, bare, created):
        max_users = room.config.get("max_users") or 0
        if max_users and len(room.occupants) >= max_users and affiliation not in ("owner",
                                                                                  "admin"):
            return "service-unavailable"
        if room.locked and not created and affiliation != "owner":
            return "item-not-found"
        holder = room.by_nick(nick)       # the same user's other client may share it
        if holder is not None and bare_jid(holder.session.jid) != bare:
            return "conflict"
        given = ((stanza.muc or {}).get("join") or {}).get("password")
        if room.password is not None and given != room.password:
            return "not-authorized"
        if affiliation == "outcast":
            return "forbidden"
        if room.config.get("members_only") and affiliation == "none":
            return "registration-required"
        return None

    def _change_nick(self, session, stanza, room, occupant, nick, out):
        if nick.lower() == occupant.nick.lower() and nick == occupant.nick:
            return self._broadcast_presence(room, occupant, out, [])
        if not room.config.get("can_change_nickname"):
            return self._error(session, stanza, "not-acceptable", out)
        if room.by_nick(nick) not in (None, occupant):
            return self._error(session, stanza, "conflict", out)
        self._broadcast_presence(room, occupant, out, [303], type="unavailable", new_nick=nick)
        occupant.nick = nick
        self._broadcast_presence(room, occupant, out, [])

    def _presence_of(self, room, occupant, to_session, codes=(), type=None, new_nick=None):
        viewer = room.occupant_of(to_session)
        # A self-presence (110) goes to every client under the occupant's nickname: Openfire
        # compares occupant JIDs (room/nick), which one user's clients share.
        me = occupant.session is to_session or (viewer is not None and
                                                viewer.nick == occupant.nick)
        item = {"nick": new_nick, "role": u"none" if type == "unavailable" else occupant.role,
                "affiliation": occupant.affiliation, "jid": None, "actor": None, "reason": None}
        if room.config.get("can_anyone_discover_jid") or (viewer and viewer.role == "moderator"):
            item["jid"] = occupant.session.jid
        codes = list(codes) + ([110] if me else [])
        return model.Stanza("presence", type=type, sender=room.occupant_jid(occupant.nick),
                            recipient=to_session.jid, muc={"codes": codes, "item": item})

    def _broadcast_presence(self, room, occupant, out, codes, type=None, new_nick=None,
                            self_only_codes=()):
        for other in room.occupants:
            mine = list(codes) + (list(self_only_codes) if other is occupant else [])
            out.append((other.session, self._presence_of(room, occupant, other.session, mine,
                                                         type, new_nick)))

    def _remove(self, room, occupant, out, code, reason, notify_self=True):
        if occupant is None:
            return
        codes = [code] if code else []
        # One of several clients under a nickname leaving: only it is told (Openfire's
        # sendLeavePresenceToExistingOccupants); for the room the occupant is still there.
        shared = code is None and [o for o in room.occupants
                                   if o is not occupant and o.nick == occupant.nick]
        for other in room.occupants:
            if (other is occupant and not notify_self) or (shared and other is not occupant):
                continue
            presence = self._presence_of(room, occupant, other.session, codes, "unavailable")
            presence.muc["item"]["reason"] = reason
            out.append((other.session, presence))
        room.occupants.remove(occupant)
        if not room.occupants and not room.config.get("persistent"):
            self._rooms.remove(room.name)

    def _affiliate(self, room, bare, affiliation, out):
        bare = bare_jid(bare)
        if affiliation == "none":
            room.affiliations.pop(bare, None)
        else:
            room.affiliations[bare] = affiliation
        for occupant in list(room.occupants):
            if bare_jid(occupant.session.jid) != bare:
                continue
            if affiliation == "outcast":
                self._remove(room, occupant, out, 301, None)
            else:      # Openfire tells the room of the new affiliation and role
                occupant.affiliation = affiliation
                occupant.role = room.role_for(affiliation)
                self._broadcast_presence(room, occupant, out, [])

    def _destroy(self, room, reason, out):
        for occupant in room.occupants:
            out.append((occupant.session, model.Stanza(
                "presence", type="unavailable", sender=room.occupant_jid(occupant.nick),
                recipient=occupant.session.jid, muc={"codes": [110], "item": {
                    "nick": None, "jid": None, "role": u"none", "affiliation": u"none",
                    "actor": None, "reason": None}, "destroy": {"jid": None, "reason": reason}})))
        room.occupants = []
        self._rooms.remove(room.name)

    # --- messages: group messages, subject, invitations -------------------------------------------
    def _message(self, session, stanza, room, out):
        occupant = room.occupant_of(session)
        if occupant is None:
            return self._error(session, stanza, "not-acceptable", out)
        invite = (stanza.muc or {}).get("invite")
        if invite is not None:
            return self._invite(session, stanza, room, occupant, invite, out)
        if stanza.type != "groupchat":
            return self._error(session, stanza, "bad-request", out)
        if stanza.subject is not None and stanza.body is None:
            if not (room.config.get("can_occupants_change_subject")
                    or occupant.role == "moderator"):
                return self._error(session, stanza, "forbidden", out)
            room.subject = stanza.subject
        elif occupant.role == "visitor":
            return self._error(session, stanza, "forbidden", out)
        sender = room.occupant_jid(occupant.nick)
        now = self._clock()
        room.history = (room.history + [RoomMessageRecord(
            sender, room.jid, stanza.body, subject=stanza.subject, delay_stamp=stamp(now),
            delay_from=session.jid if room.config.get("can_anyone_discover_jid") else sender,
            data=stanza.data, id=stanza.id)])[-HISTORY_SIZE:]
        sent = model.Stanza("message", type="groupchat", sender=sender, id=stanza.id,
                            body=stanza.body, subject=stanza.subject, data=stanza.data)
        if self._router.archive is not None:          # the in-memory Monitoring plugin
            self._router.archive.record_room(room.jid, sent)
        for other in room.occupants:
            delivered = copy.copy(sent)
            delivered.recipient = other.session.jid
            out.append((other.session, delivered))

    def _invite(self, session, stanza, room, occupant, invite, out):
        if room.config.get("members_only") and not room.config.get("can_occupants_invite") \
                and occupant.affiliation not in ("owner", "admin"):
            return self._error(session, stanza, "forbidden", out)
        invitee = invite["to"]
        if room.config.get("members_only"):
            room.affiliations.setdefault(bare_jid(invitee), u"member")
        out.append((None, model.Stanza(       # None: routed to the invitee's sessions
            "message", sender=room.jid, recipient=invitee, body=None, invite={
                "room": room.jid, "from": bare_jid(session.jid), "reason": invite.get("reason"),
                "password": room.password, "direct": False})))

    def _history_stanza(self, room, message, session):
        return model.Stanza("message", type="groupchat", sender=message.sender,
                            recipient=session.jid, id=message.id,
                            body=message.body, subject=message.subject, data=message.data,
                            delay={"stamp": message.delay_stamp, "from": message.delay_from})

"""The in-memory stand-in for Openfire's Monitoring plugin: a per-user archive of one-to-one
messages and a per-room archive of group messages (the in-memory MUC records them, as
``conversation.roomArchiving`` makes Monitoring do), answering XEP-0313 queries with XEP-0059
paging as Openfire's plugin does: each user's own archive only; a room's archive to whom
Monitoring's IQQueryHandler lets read it (not outcasts; members-only rooms their members,
admins and owners; password-protected rooms their occupants); a room that does not exist is
item-not-found. Without the plugin (``enabled`` False) every query is refused with
service-unavailable.
"""
from __future__ import absolute_import

import copy
import itertools

from java.time import Instant
from java.util.concurrent import ConcurrentHashMap, CopyOnWriteArrayList

from sparkweb.openfire.memory_muc import MemoryMucService
from sparkweb.xmpp import forwarding

_archive_ids = itertools.count(1)


class _Entry(object):
    def __init__(self, message, stamp):
        self.archive_id = u"%d" % next(_archive_ids)
        self.message = message
        self.stamp = stamp


class MemoryArchive(object):
    def __init__(self, router):
        self.enabled = True
        self._router = router
        self.rooms_enabled = True                # conversation.roomArchiving
        self._by_owner = ConcurrentHashMap()     # username -> CopyOnWriteArrayList of _Entry
        self._by_room = ConcurrentHashMap()      # room JID -> CopyOnWriteArrayList of _Entry
        router.archive = self

    def record(self, stanza):
        """Archives a routed one-to-one message with a body for its sender and recipient."""
        if not self.enabled or stanza.kind != "message" or stanza.body is None or \
                stanza.type == "groupchat":
            return
        kept = copy.copy(stanza)
        kept.xml = None
        stamp = unicode(Instant.now().toString())
        for address in (stanza.sender, stanza.recipient):
            node, _, rest = (address or u"").partition(u"@")
            if rest.partition(u"/")[0] == self._router.domain:
                self._by_owner.putIfAbsent(node, CopyOnWriteArrayList())
                self._by_owner.get(node).add(_Entry(kept, stamp))

    def record_room(self, room_jid, stanza):
        """Archives a group message (or subject change) the room ``room_jid`` sent its
        occupants, as sent by the occupant (``conversation.roomArchivingStanzas``). Called
        under the MUC service's lock: it only adds to a concurrent list."""
        if not self.enabled or not self.rooms_enabled:
            return
        kept = copy.copy(stanza)
        kept.xml, kept.recipient = None, room_jid
        self._by_room.putIfAbsent(room_jid, CopyOnWriteArrayList())
        self._by_room.get(room_jid).add(_Entry(kept, unicode(Instant.now().toString())))

    def answer(self, session, iq):
        """Sends ``session`` the results and the closing IQ of the query ``iq``."""
        query = iq.payload
        own = u"%s@%s" % (session.username, self._router.domain)
        if not self.enabled:
            return self._router.answer(session, iq, error="service-unavailable")
        if iq.recipient in (None, own):
            archive, sender = self._by_owner.get(session.username), own
        else:
            room, refusal = self._room(session, iq.recipient)
            if refusal is not None:
                return self._router.answer(session, iq, error=refusal)
            archive, sender = self._by_room.get(room.jid), iq.recipient
        entries = [entry for entry in list(archive or []) if _matches(entry, query)]
        key = query.after or query.before
        if key and not key.isdigit() and key not in [entry.archive_id for entry in entries]:
            # Monitoring looks an unknown id up as a stable stanza id, then as a number of its
            # own, and fails the query when neither works (ConversationManager).
            return self._router.answer(session, iq, error="internal-server-error")
        page, fin = _page(entries, query)
        if page is None:
            return self._router.answer(session, iq, error="item-not-found")
        for entry in page:
            result = forwarding.ArchivedResult(query.query_id, entry.archive_id, entry.stamp,
                                               entry.message)
            self._router.hand_forwarded(session, sender, archived=result)
        self._router.answer(session, iq, payload=fin)

    def _room(self, session, room_jid):
        """``(room record, refusal)`` as Monitoring's IQQueryHandler decides: item-not-found
        for no such room, forbidden for those it does not let read the room's archive."""
        node, _, service_domain = room_jid.partition(u"@")
        service = self._router.components.get(service_domain) if node else None
        room = service.record(node, session.jid) \
            if isinstance(service, MemoryMucService) else None
        if room is None:
            return None, "item-not-found"
        affiliation = room.viewer_affiliation
        allowed = affiliation in ("owner", "admin") or (
            affiliation != "outcast" and (affiliation == "member" or not room.members_only))
        if not allowed or (room.password_protected and room.viewer_role is None):
            return room, "forbidden"
        return room, None


def _matches(entry, query):
    message = entry.message
    if query.with_jid is not None:
        wanted = query.with_jid
        partners = [address for address in (message.sender, message.recipient) if address]
        if not any(address == wanted or address.partition(u"/")[0] == wanted
                   for address in partners):
            return False
    stamp = Instant.parse(entry.stamp)
    if query.start is not None and stamp.isBefore(Instant.parse(query.start)):
        return False
    if query.end is not None and stamp.isAfter(Instant.parse(query.end)):
        return False
    if query.text:
        body = (message.body or u"").lower()
        return all(word in body for word in query.text.lower().split())
    return True


def _page(entries, query):
    """(page, ArchiveFin) as XEP-0059 defines them; page None for an unknown after/before."""
    ids = [entry.archive_id for entry in entries]
    size = query.max if query.max is not None else len(entries)
    if query.before is not None:
        if query.before == u"":
            end = len(entries)
        elif query.before in ids:
            end = ids.index(query.before)
        else:
            return None, None
        page, complete = entries[max(end - size, 0):end], end - size <= 0
    else:
        begin = 0
        if query.after is not None:
            if query.after not in ids:
                return None, None
            begin = ids.index(query.after) + 1
        page, complete = entries[begin:begin + size], begin + size >= len(entries)
    return page, forwarding.ArchiveFin(
        complete=complete, first=page[0].archive_id if page else None,
        last=page[-1].archive_id if page else None, count=len(entries))

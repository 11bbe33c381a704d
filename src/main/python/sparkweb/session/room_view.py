"""What a user may see of rooms, as an XMPP client of that user would (XEP-0045 and
Openfire's discovery rules), and the spec's shapes of it.

- A room is visible when it is public and not members-only, or when the user is its owner,
  admin or member, or is in it. Anyone else gets exactly the 404 of a room that does not
  exist (:func:`not_found`), so a hidden room's existence does not leak. A new room that is
  still locked (not configured) is visible to its owners only.
- Never a password (only whether there is one); member, admin and outcast lists only to the
  room's owners and admins; occupants' real JIDs only to occupants: all of them in
  non-anonymous rooms, moderators in anonymous ones.
- Chat history only to current occupants and to members, admins and owners.
"""
from __future__ import absolute_import

from java.time import Instant

from sparkweb.errors import NotFound

AFFILIATED = ("owner", "admin", "member")


def not_found(service, name):
    """The one answer for a missing room and a room the caller may not see."""
    return NotFound("No room '%s' on the service '%s' (or you may not see it)." % (
        name, service))


def can_see(room):
    if room.locked:
        return room.viewer_affiliation == "owner"
    return (room.public and not room.members_only) or \
        room.viewer_affiliation in AFFILIATED or room.viewer_role is not None


def can_read_history(room):
    return not room.locked and (room.viewer_affiliation in AFFILIATED or
                                room.viewer_role is not None)


def may_invite(room):
    """Openfire's rule for mediated invitations (MUCRoom.sendInvitation): anyone in a room that
    is not members-only, otherwise owners and admins, or everyone where occupants may
    invite."""
    return not room.members_only or room.can_occupants_invite or \
        room.viewer_affiliation in ("owner", "admin")


def _manages(room):
    return room.viewer_affiliation in ("owner", "admin")


def _sees_real_jids(room):
    """As XEP-0045 7.2.3 gives them: in presence, so only to occupants (a non-anonymous room's
    all, an anonymous room's moderators); discovery shows anyone else occupant JIDs only."""
    return room.viewer_role is not None and (room.can_anyone_discover_jid or
                                             room.viewer_role == "moderator")


def visible_room(openfire, viewer, address, allowed=can_see):
    room = openfire.muc_room(address.service, address.name, viewer)
    if room is None or not allowed(room):
        raise not_found(address.service, address.name)
    return room


def _date(millis):
    return unicode(Instant.ofEpochMilli(millis).toString()) if millis else None


def room_entity(room, nick=None):
    """MUCRoomEntity for the viewer (plus ``passwordProtected``, ``joined``, ``nick``,
    ``occupantCount``)."""
    lists = _manages(room)
    return {
        "roomName": room.name, "naturalName": room.natural_name,
        "description": room.description, "subject": room.subject,
        "creationDate": _date(room.creation_date),
        "modificationDate": _date(room.modification_date), "maxUsers": room.max_users,
        "persistent": room.persistent, "publicRoom": room.public,
        "registrationEnabled": room.registration_enabled,
        "canAnyoneDiscoverJID": room.can_anyone_discover_jid,
        "canOccupantsChangeSubject": room.can_occupants_change_subject,
        "canOccupantsInvite": room.can_occupants_invite,
        "canChangeNickname": room.can_change_nickname, "logEnabled": room.log_enabled,
        "loginRestrictedToNickname": room.login_restricted_to_nickname,
        "membersOnly": room.members_only, "moderated": room.moderated,
        "allowPM": room.allow_pm, "broadcastPresenceRoles": list(room.broadcast_roles),
        "passwordProtected": room.password_protected,
        "owners": list(room.owners), "ownerGroups": [],
        "admins": list(room.admins) if lists else [], "adminGroups": [],
        "members": list(room.members) if lists else [], "memberGroups": [],
        "outcasts": list(room.outcasts) if lists else [], "outcastGroups": [],
        "occupantCount": len(room.occupants), "joined": nick is not None, "nick": nick,
    }


def occupant_entities(room):
    real = _sees_real_jids(room)
    return [{"jid": o.occupant_jid, "userAddress": o.real_jid if real else None,
             "role": o.role, "affiliation": o.affiliation, "nick": o.nick}
            for o in room.occupants]


def participant_entities(room):
    """ParticipantEntity list: the occupants whose role is participant (Openfire's
    ``MUCRoom.getParticipants``); ``jid`` is the occupant JID."""
    return [{"jid": o.occupant_jid, "role": o.role, "affiliation": o.affiliation,
             "nick": o.nick} for o in room.occupants if o.role == "participant"]


def listed_rooms(summaries, kind, search):
    """The rooms (:class:`~sparkweb.openfire.muc_records.RoomSummary`) a list shows the
    viewer, in name order."""
    return sorted((room for room in summaries if can_see(room) and matches(room, kind, search)),
                  key=lambda room: room.name)


def page_of(rooms, after, size):
    """(up to ``size`` rooms named after ``after``, whether none is left after them)."""
    rest = [room for room in rooms if after is None or room.name > after]
    return rest[:size], len(rest) <= size


def matches(room, kind, search):
    if kind == "public" and not room.public:
        return False
    if search:
        needle = search.lower()
        return needle in room.name.lower() or needle in (room.natural_name or u"").lower()
    return True

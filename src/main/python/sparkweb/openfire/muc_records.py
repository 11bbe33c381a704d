"""What the facade reports of a multi-user chat room (XEP-0045), in Openfire's vocabulary.

Records carry everything the server knows, the password excepted (only whether there is one):
what a given caller may see of them is decided outside the facade (``session.room_view``).
"""
from __future__ import absolute_import

ROLES = ("moderator", "participant", "visitor", "none")
AFFILIATIONS = ("owner", "admin", "member", "outcast", "none")


class OccupantRecord(object):
    """One occupant: ``occupant_jid`` is ``room@service/nick``, ``real_jid`` the user's full
    JID (the facade always fills it; callers decide who may see it)."""

    def __init__(self, nick, occupant_jid, real_jid, role, affiliation):
        self.nick = nick
        self.occupant_jid = occupant_jid
        self.real_jid = real_jid
        self.role = role
        self.affiliation = affiliation


class RoomRecord(object):
    """One room as its service holds it. ``viewer_affiliation`` and ``viewer_role`` are those
    of the bare JID the record was read for, as Openfire computes them (groups included);
    ``viewer_role`` is None when that user is not in the room. Dates are epoch milliseconds."""

    def __init__(self, name, jid, **fields):
        self.name = name
        self.jid = jid
        self.natural_name = fields.get("natural_name", name)
        self.description = fields.get("description", u"")
        self.subject = fields.get("subject", u"")
        self.password_protected = fields.get("password_protected", False)
        self.public = fields.get("public", True)
        self.members_only = fields.get("members_only", False)
        self.moderated = fields.get("moderated", False)
        self.persistent = fields.get("persistent", False)
        self.locked = fields.get("locked", False)
        self.can_anyone_discover_jid = fields.get("can_anyone_discover_jid", False)
        self.can_change_nickname = fields.get("can_change_nickname", True)
        self.can_occupants_change_subject = fields.get("can_occupants_change_subject", False)
        self.can_occupants_invite = fields.get("can_occupants_invite", False)
        self.allow_pm = fields.get("allow_pm", u"anyone")
        self.broadcast_roles = list(fields.get("broadcast_roles", ROLES[:3]))
        self.log_enabled = fields.get("log_enabled", False)
        self.login_restricted_to_nickname = fields.get("login_restricted_to_nickname", False)
        self.registration_enabled = fields.get("registration_enabled", True)
        self.max_users = fields.get("max_users", 30)
        self.creation_date = fields.get("creation_date", 0)
        self.modification_date = fields.get("modification_date", 0)
        self.owners = list(fields.get("owners", ()))
        self.admins = list(fields.get("admins", ()))
        self.members = list(fields.get("members", ()))
        self.outcasts = list(fields.get("outcasts", ()))
        self.occupants = list(fields.get("occupants", ()))
        self.viewer_affiliation = fields.get("viewer_affiliation", u"none")
        self.viewer_role = fields.get("viewer_role")


class RoomSummary(object):
    """What listing a room needs, read without loading anything: enough to decide whether the
    viewer may see it (``session.room_view.can_see``) and whether it matches a search. The
    attributes are those of :class:`RoomRecord` of the same names."""

    def __init__(self, name, jid, natural_name, public, members_only, locked,
                 viewer_affiliation, viewer_role):
        self.name = name
        self.jid = jid
        self.natural_name = natural_name
        self.public = public
        self.members_only = members_only
        self.locked = locked
        self.viewer_affiliation = viewer_affiliation
        self.viewer_role = viewer_role


class RoomMessageRecord(object):
    """One message of a room's own recent history (what the room replays on join)."""

    def __init__(self, sender, recipient, body, type=u"groupchat", subject=None,
                 delay_stamp=None, delay_from=None, data=None, id=None):
        self.sender = sender
        self.recipient = recipient
        self.body = body
        self.type = type
        self.subject = subject
        self.delay_stamp = delay_stamp
        self.delay_from = delay_from
        self.data = data          # XEP-0335 JSON text, if the message carried some
        self.id = id

"""The ``chatapi.muc`` events of what rooms send (XEP-0045, XEP-0249), documented field by
field in docs/events.md. ``session.muc`` knows the rooms and calls these builders; the
payloads only carry what the room itself told this user (a real JID only where the room
disclosed it: non-anonymous rooms, or to moderators).
"""
from __future__ import absolute_import

from java.time import Instant

from sparkweb.events import catalogue

# XEP-0045 status codes of an occupant's unavailable presence, and what they mean.
_REMOVALS = ((301, "banned"), (307, "kicked"), (321, "removed"), (322, "removed"),
             (332, "shutdown"))


def _now():
    return unicode(Instant.now().toString())


def for_message(stanza, room, nick, real_jid, mine):
    """A group message, a subject change, or a message the room replays on join."""
    subject_only = stanza.subject is not None and stanza.body is None
    payload = {"type": "subject" if subject_only else "groupchat", "from": stanza.sender,
               "to": stanza.recipient, "room": room, "nick": nick or None,
               "occupantJid": real_jid, "body": stanza.body, "subject": stanza.subject,
               "id": stanza.id, "mine": bool(mine and nick),
               "history": stanza.delay is not None,
               "delay": (stanza.delay or {}).get("stamp"), "timestamp": _now()}
    payload.update(catalogue.data_fields(stanza.data))
    return [(catalogue.MUC, payload)]


def for_presence(stanza, room, nick, item, codes, before, own, entering):
    """An occupant entering, leaving, changing nickname or role; being kicked or banned; the
    room being destroyed. ``before`` is (real JID, role) as last seen, or None."""
    change = _change(stanza, item, codes, before, entering)
    payload = {"type": "occupant", "change": change, "room": room, "nick": nick,
               "from": stanza.sender, "to": stanza.recipient, "self": bool(own),
               "occupantJid": item.get("jid"), "role": item.get("role"),
               "affiliation": item.get("affiliation"), "show": stanza.show,
               "status": stanza.status, "codes": codes, "timestamp": _now()}
    if change == "nick":
        payload["newNick"] = item.get("nick")
    if change in ("kicked", "banned", "removed"):
        payload["reason"] = item.get("reason")
        payload["actor"] = item.get("actor")
    if change == "destroyed":
        destroy = stanza.muc["destroy"]
        payload["reason"], payload["alternateRoom"] = destroy.get("reason"), destroy.get("jid")
    if own and change == "joined":
        payload["created"] = 201 in codes
    return [(catalogue.MUC, payload)]


def _change(stanza, item, codes, before, entering):
    if stanza.type == "unavailable":
        if (stanza.muc or {}).get("destroy") is not None:
            return "destroyed"
        if 303 in codes:
            return "nick"
        for code, change in _REMOVALS:
            if code in codes:
                return change
        return "left"
    if entering:
        return "present"
    if before is None:
        return "joined"
    if before[1] != item.get("role"):
        return "role"
    return "presence"

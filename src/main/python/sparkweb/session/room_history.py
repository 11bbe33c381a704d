"""Where a room's chat history comes from (``GET /groupchat/room/{roomName}/chathistory``).

:func:`room_messages` is the one seam: today it reads the room's own recent history (what the
room replays on join, kept by Openfire's MUC service); the archive (XEP-0313 MAM, issue 11
item 4) plugs in by replacing :data:`SOURCES` entries or the function: each source is called
as ``source(app, username, address, room)`` and returns a list of MUCRoomMessageEntity dicts,
or None to let the next source answer. The caller has already checked that the user may read
the history (``room_view.can_read_history``).
"""
from __future__ import absolute_import


def own_history(app, username, address, room):
    """The room's own recent history. In an anonymous room a ``delayFrom`` that is not the
    occupant JID is dropped unless the caller is a moderator (Openfire keeps it consistent;
    this makes sure)."""
    reveal = room.can_anyone_discover_jid or room.viewer_role == "moderator"
    return [{"from": message.sender, "to": message.recipient, "body": message.body,
             "type": message.type, "subject": message.subject, "delayStamp": message.delay_stamp,
             "delayFrom": message.delay_from if reveal or message.delay_from == message.sender
             else None}
            for message in app.openfire.muc_room_history(address.service, address.name)]


SOURCES = [own_history]


def room_messages(app, username, address, room):
    for source in SOURCES:
        messages = source(app, username, address, room)
        if messages is not None:
            return messages
    return []

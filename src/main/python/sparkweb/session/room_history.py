"""Where a room's chat history comes from (``GET /groupchat/room/{roomName}/chathistory``).

:func:`room_messages` asks each of :data:`SOURCES` in turn: first the room's archive (XEP-0313
MAM, asked by the user's own session: Openfire's Monitoring plugin with room archiving), then
the room's own recent history (what the room replays on join, kept by Openfire's MUC service).
Each source is called as ``source(app, username, address, room)`` and returns a list of
MUCRoomMessageEntity dicts, or None to let the next source answer. The caller has already
checked that the user may read the history (``room_view.can_read_history``); the archive
applies its own rules on top.
"""
from __future__ import absolute_import

from sparkweb.errors import NotFound, PluginMissing, ServiceUnavailable
from sparkweb.session import archive

ARCHIVED_MESSAGES = 100      # the newest messages of the archive a history shows


def archived_history(app, username, address, room):
    """The newest :data:`ARCHIVED_MESSAGES` of the room's archive; None when there is no
    archive (no Monitoring plugin), it holds nothing of the room (room archiving off), refuses
    the user (Monitoring lets only occupants read a password-protected room's archive) or does
    not answer in time: the room's own history then answers."""
    session = app.sessions.get_or_start(username)
    try:
        messages = archive.room_chat_history(session, address.jid, ARCHIVED_MESSAGES)
    except (PluginMissing, NotFound, ServiceUnavailable):
        return None
    return messages or None


def own_history(app, username, address, room):
    """The room's own recent history. In an anonymous room a ``delayFrom`` that is not the
    occupant JID is dropped unless the caller is a moderator (Openfire keeps it consistent;
    this makes sure)."""
    reveal = room.can_anyone_discover_jid or room.viewer_role == "moderator"
    return [{"from": message.sender, "to": message.recipient, "body": message.body,
             "type": message.type, "subject": message.subject, "delayStamp": message.delay_stamp,
             "messageId": message.id,
             "delayFrom": message.delay_from if reveal or message.delay_from == message.sender
             else None}
            for message in app.openfire.muc_room_history(address.service, address.name)]


SOURCES = [archived_history, own_history]


def room_messages(app, username, address, room):
    for source in SOURCES:
        messages = source(app, username, address, room)
        if messages is not None:
            return messages
    return []

"""What the message-archive endpoints ask of Openfire besides the MAM queries themselves
(which the user's session sends): whether a user may read a room's history."""
from __future__ import absolute_import

from java.lang import IllegalArgumentException
from org.jivesoftware.openfire import XMPPServer
from org.jivesoftware.openfire.user import UserNotFoundException
from org.xmpp.packet import JID

READING_AFFILIATIONS = ("owner", "admin", "member")


def _room(room_jid):
    try:
        address = JID(room_jid)
    except IllegalArgumentException:
        return None
    if address.getNode() is None:
        return None
    server = XMPPServer.getInstance()
    service = server.getMultiUserChatManager().getMultiUserChatService(address)
    return service.getChatRoom(address.getNode()) if service is not None else None


def may_read_room_history(username, room_jid):
    room = _room(room_jid)
    if room is None:
        return False
    user = XMPPServer.getInstance().createJID(username, None)
    if room.getAffiliation(user).name() in READING_AFFILIATIONS:
        return True
    try:
        return not room.getOccupantsByBareJID(user).isEmpty()
    except UserNotFoundException:        # Openfire's way of saying: not in the room
        return False

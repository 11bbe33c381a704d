"""Group Chat (spec tag groupchat), under ``/groupchat``: XEP-0045 rooms.

Acting in a room (join, leave, post, invite) is done by the signed-in user's own XMPP session,
so Openfire's MUC service applies its rules; its refusals are JSON errors naming the XMPP
condition (xmpp.refusals). Reading rooms (list, room, occupants, participants, chat history)
shows what an XMPP client of the user could see (session.room_view). Rooms are
``{roomName}`` (a name, or a full room JID) on ``serviceName`` (default ``conference``).
``GET /groupchat/messages`` (the archive) belongs to the history area.
"""
from __future__ import absolute_import

from sparkweb.api import groupchat_input as given
from sparkweb.errors import BadRequest
from sparkweb.api.schemas import obj, ref
from sparkweb.http.routing import USER, Body, Param, Route
from sparkweb.session import room_history, room_view
from sparkweb.xmpp.refusals import XmppRefusal

ROOM_TYPES = ("public", "all")


def _viewer(request):
    return u"%s@%s" % (request.user, request.app.openfire.xmpp_domain())


def _joined_rooms(request):
    session = request.app.sessions.get(request.user)
    return session.rooms.joined() if session is not None else {}


def get_rooms(request):
    """One page of the rooms the caller may see, in name order (see room_view.listed_rooms)."""
    kind = request.query("type", "public")
    if kind not in ROOM_TYPES:
        raise BadRequest("'type' must be one of %s." % ", ".join(ROOM_TYPES))
    openfire = request.app.openfire
    service, viewer = given.service_name(request, openfire), _viewer(request)
    listed = room_view.listed_rooms(openfire.muc_room_summaries(service, viewer), kind,
                                    request.query("search"))
    page, complete = room_view.page_of(listed, given.rooms_after(request),
                                       given.rooms_per_page(request))
    joined, rooms = _joined_rooms(request), []
    for summary in page:       # only these are read in full
        room = openfire.muc_room(service, summary.name, viewer)
        if room is not None and room_view.can_see(room):
            rooms.append(room_view.room_entity(room, joined.get(room.jid)))
    return {"chatRooms": rooms, "count": len(listed), "complete": complete,
            "last": page[-1].name if page else None}


def get_room(request):
    address = given.room_address(request)
    room = room_view.visible_room(request.app.openfire, _viewer(request), address)
    return room_view.room_entity(room, _joined_rooms(request).get(address.jid))


def get_occupants(request):
    address = given.room_address(request)
    room = room_view.visible_room(request.app.openfire, _viewer(request), address)
    return {"occupants": room_view.occupant_entities(room)}


def get_participants(request):
    address = given.room_address(request)
    room = room_view.visible_room(request.app.openfire, _viewer(request), address)
    return {"participants": room_view.participant_entities(room)}


def get_chat_history(request):
    address = given.room_address(request)
    room = room_view.visible_room(request.app.openfire, _viewer(request), address,
                                  room_view.can_read_history)
    return {"messages": room_history.room_messages(request.app, request.user, address, room)}


def _rooms_of(request):
    return request.app.sessions.get_or_start(request.user).rooms


def join_room(request):
    address = given.room_address(request)
    nick, password = given.join_options(request, address)
    admit = lambda rooms_in: request.app.room_limits.admit_join(request.user, rooms_in)
    return _rooms_of(request).join(address.jid, nick, password, admit)


def leave_room(request):
    address = given.room_address(request)
    return _rooms_of(request).leave(address.jid)


def post_to_room(request):
    address = given.room_address(request)
    body, data = given.message_fields(request)
    return _rooms_of(request).post(address.jid, body, data)


def invite_to_room(request):
    """In this order, so that nothing tells who has an account before the caller is in the
    room and has an invitation left (review S5-11-1)."""
    address, invitee = given.room_address(request), given.invitee(request)
    reason = given.invitation_reason(request)
    rooms = _rooms_of(request)
    rooms.require(address.jid)
    request.app.room_limits.admit_invitation(request.user)
    if not given.invitee_exists(request, invitee):
        return _as_if_invited(request, address, invitee)
    return rooms.invite(address.jid, unicode(invitee), reason)


def _as_if_invited(request, address, invitee):
    """An unknown user of this server while the directory is off: nothing is sent, and the
    answer is the room's for a real user, its refusal included (review S5-11-2)."""
    room = request.app.openfire.muc_room(address.service, address.name, _viewer(request))
    if room is None or not room_view.may_invite(room):
        raise XmppRefusal("forbidden")
    return {"room": address.jid, "invited": unicode(invitee)}


_ROOM = Param("The room: its name, or its full JID (room@service.domain).")
_SERVICE = Param("The MUC service (subdomain).", example="conference")
_ROOM_PARAMS = {"roomName": _ROOM, "serviceName": _SERVICE}
_HIDDEN = ("The service or room does not exist, or the caller may not see it (the same answer "
           "for both).")
_REFUSALS = {401: "not-authorized: the room's password is missing or wrong.",
             403: "forbidden, registration-required, not-allowed or not-acceptable: the room "
                  "refused (banned, members-only, may not create rooms, nickname rules).",
             404: "No such service, or item-not-found: no such room (or it is locked).",
             409: "conflict: the nickname is taken in the room.",
             503: "service-unavailable: the room is full; or the room did not answer."}


def _with(answers, more):
    combined = dict(answers)
    combined.update(more)
    return combined


_NOT_IN_ROOM = "The service does not exist, or the caller is not in the room."
_TEXT = {"type": "string"}

MODELS = {
    "RoomJoin": obj({"nick": {"type": "string", "maxLength": given.MAX_NICK_CHARS},
                     "password": {"type": "string"}},
                    examples=[{"nick": "Alice", "password": "room password"}]),
    "JoinedRoom": obj({"room": _TEXT, "nick": _TEXT, "created": {"type": "boolean"},
                       "alreadyJoined": {"type": "boolean"}},
                      ["room", "nick", "created", "alreadyJoined"]),
    "LeftRoom": obj({"room": _TEXT, "nick": _TEXT}, ["room", "nick"]),
    "RoomMessage": obj({"body": {"type": "string"}, "data": {"description": "Any JSON."}},
                       examples=[{"body": "Hello, room!"}]),
    "PostedToRoom": obj({"id": _TEXT, "room": _TEXT}, ["id", "room"]),
    "InvitationReason": obj({"reason": {"type": "string", "maxLength": given.MAX_REASON_CHARS}},
                            examples=[{"reason": "Join us"}]),
    "SentInvitation": obj({"room": _TEXT, "invited": _TEXT}, ["room", "invited"]),
}

ROUTES = [
    Route("GET", "/groupchat/rooms", get_rooms, summary="Get chat rooms", tag="group_chat",
          access=USER, description=(
              "The rooms the MUC service holds in memory (with occupants, or used within its "
              "unload.empty_days), in name order and paged; dormant rooms are not loaded for "
              "a list and are reached by name."), params={
              "serviceName": _SERVICE,
              "type": Param("public: listed rooms; all: also the hidden and members-only rooms "
                            "the caller belongs to.", {"enum": list(ROOM_TYPES)}),
              "search": "Only rooms whose name or natural name contains this text.",
              "max": Param("Rooms per page.", {"type": "integer", "minimum": 1,
                                               "maximum": given.MAX_ROOMS_PER_PAGE,
                                               "default": given.DEFAULT_ROOMS_PER_PAGE}),
              "after": "A room name: the page of rooms after it ('last' of the page before)."},
          answers={200: ref("MUCRoomEntities"), 400: "'type' is neither public nor all, or "
                   "'max' is not a whole number in its range.",
                   404: "No such MUC service."}),
    Route("GET", "/groupchat/room/{roomName}", get_room, summary="Get chat room",
          tag="group_chat", access=USER, params=_ROOM_PARAMS,
          answers={200: ref("MUCRoomEntity"), 400: "Not a valid room name.", 404: _HIDDEN}),
    Route("GET", "/groupchat/room/{roomName}/occupants", get_occupants,
          summary="Get room occupants", tag="group_chat", access=USER, params=_ROOM_PARAMS,
          answers={200: ref("OccupantEntities"), 400: "Not a valid room name.", 404: _HIDDEN}),
    Route("GET", "/groupchat/room/{roomName}/participants", get_participants,
          summary="Get room participants", tag="group_chat", access=USER,
          params=_ROOM_PARAMS,
          answers={200: ref("ParticipantEntities"), 400: "Not a valid room name.",
                   404: _HIDDEN}),
    Route("GET", "/groupchat/room/{roomName}/chathistory", get_chat_history,
          summary="Get room history", tag="group_chat", access=USER, params=_ROOM_PARAMS,
          answers={200: ref("MUCRoomMessageEntities"), 400: "Not a valid room name.",
                   404: _HIDDEN + " Only occupants and members may read it."}),
    Route("PUT", "/groupchat/room/{roomName}", join_room, summary="Join groupchat",
          tag="group_chat", access=USER, params=dict(_ROOM_PARAMS, nick=Param(
              "The nickname; by default the user's name, then the username.")),
          body=Body("Optional: the nickname and the room's password.", json=ref("RoomJoin"),
                    required=False),
          answers=_with(_REFUSALS, {
              200: ref("JoinedRoom"), 400: "Not a valid room name or nickname.",
              409: "conflict: the nickname is taken in the room; too-many-rooms: the caller is "
                   "in sparkweb.muc.maxRooms rooms already.",
              429: "More than sparkweb.muc.joinsPerMinute joins a minute, or another join of "
                   "the caller's still waits for its room (Retry-After)."})),
    Route("DELETE", "/groupchat/room/{roomName}", leave_room, summary="Leave groupchat",
          tag="group_chat", access=USER, params=_ROOM_PARAMS,
          answers={200: ref("LeftRoom"), 400: "Not a valid room name.", 404: _NOT_IN_ROOM}),
    Route("POST", "/groupchat/room/{roomName}", post_to_room,
          summary="Post a message to a groupchat", tag="group_chat", access=USER,
          params=_ROOM_PARAMS,
          body=Body("The message.", json=ref("RoomMessage"), text="The message text."),
          answers={200: ref("PostedToRoom"),
                   400: "Not a valid room name, or the message is empty or malformed.",
                   403: "forbidden: the room refused the message (no voice).",
                   404: _NOT_IN_ROOM, 413: "The message is larger than "
                   "sparkweb.chat.maxMessageBytes.",
                   503: "The room did not answer."}),
    Route("POST", "/groupchat/room/{roomName}/{invitedJid}", invite_to_room,
          summary="Invite another user", tag="group_chat", access=USER,
          params=dict(_ROOM_PARAMS, invitedJid="The invitee: a username of this server or "
                                               "a user's JID on another server."),
          body=Body("The reason for the invitation (may be empty).",
                    json=ref("InvitationReason"), text="The reason text.", required=False),
          answers={200: ref("SentInvitation"),
                   400: "Not a valid room name or invitee JID; the invitee is a room or "
                        "service of this server; the reason is longer than %d characters." %
                        given.MAX_REASON_CHARS,
                   403: "forbidden or not-acceptable: the room does not let the caller invite "
                        "(members-only rooms: owners and admins only).",
                   404: _NOT_IN_ROOM + " Or no such user on this server (only while "
                        "sparkweb.directory.enabled; otherwise answered as for a user, and "
                        "nothing is sent).",
                   429: "More than sparkweb.muc.invitationsPerMinute invitations a minute "
                        "(Retry-After)."}),
]

"""The API's data shapes as JSON Schemas (2020-12, as OpenAPI 3.1 takes them), written once.

:data:`MODELS` holds the models of the spec (``sparkweb-api.txt``, *Models*) with the spec's field
names, and the shapes SparkWeb adds (sign-in answers, passkeys, the error shape). Route
declarations refer to them with :func:`ref`; ``http.openapi`` puts them under
``components/schemas``. Fields Openfire may leave unset are nullable, as the earlier plugin's
Java beans wrote them; ``required`` lists what SparkWeb always answers.
"""
from __future__ import absolute_import

from sparkweb import errors


def ref(name):
    """A reference to the model ``name`` of :data:`MODELS` (or of an area's own ``MODELS``)."""
    return {"$ref": "#/components/schemas/" + name}


def nullable(type_name, **more):
    schema = {"type": [type_name, "null"]}
    schema.update(more)
    return schema


def array_of(schema, **more):
    result = {"type": "array", "items": schema}
    result.update(more)
    return result


def obj(properties, required=(), **more):
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    schema.update(more)
    return schema


TEXT = nullable("string")
FLAG = nullable("boolean")
DATE_TIME = nullable("string", format="date-time")
NAMES = array_of({"type": "string"})

# The shared error shape of every refusal, described where it is built.
ERROR = errors.SCHEMA

# The spec's MUCRoomEntity as session.room_view answers it: every field but the password
# (never answered), plus what SparkWeb adds for the viewer.
_ROOM_FIELDS = dict(
    [(name, NAMES) for name in ("adminGroups", "admins", "broadcastPresenceRoles",
                                "memberGroups", "members", "outcastGroups", "outcasts",
                                "ownerGroups", "owners")] +
    [(name, FLAG) for name in ("canAnyoneDiscoverJID", "canChangeNickname",
                               "canOccupantsChangeSubject", "canOccupantsInvite",
                               "logEnabled", "loginRestrictedToNickname", "membersOnly",
                               "moderated", "persistent", "publicRoom",
                               "registrationEnabled")] +
    [(name, TEXT) for name in ("allowPM", "description", "naturalName", "roomName",
                               "subject")] +
    [("creationDate", DATE_TIME), ("modificationDate", DATE_TIME),
     ("maxUsers", nullable("integer", format="int32")),
     ("passwordProtected", {"type": "boolean"}),
     ("occupantCount", {"type": "integer"}),
     ("joined", {"type": "boolean", "description": "The caller is in the room."}),
     ("nick", nullable("string", description="The caller's nickname there, when joined."))])
_MUC_ROOM = obj(dict(_ROOM_FIELDS, password=TEXT), sorted(_ROOM_FIELDS))

_SPEC_MODELS = {
    "JID": obj({"domain": TEXT, "node": TEXT, "resource": TEXT}),
    "UserProperty": obj({"key": {"type": "string"}, "value": TEXT}, ["key", "value"],
                        examples=[{"key": "theme", "value": "dark"}]),
    # GET /user adds the vCard; the password is never answered.
    "UserEntity": obj({"username": {"type": "string"}, "name": TEXT, "email": TEXT,
                       "password": TEXT, "properties": array_of(ref("UserProperty")),
                       "vcard": ref("VCard")},
                      ["username", "name", "email", "properties"],
                      examples=[{"username": "alice", "name": "Alice",
                                 "email": "alice@example.org",
                                 "properties": [{"key": "theme", "value": "dark"}]}]),
    "UserEntities": obj({"users": array_of(ref("UserEntity"))}),
    "UserGroupsEntity": obj({"groupnames": NAMES}, ["groupnames"]),
    "RosterItemEntity": obj({"jid": {"type": "string"}, "nickname": TEXT, "groups": NAMES,
                             "subscriptionType": nullable("integer", format="int32"),
                             "show": TEXT, "status": TEXT},
                            examples=[{"jid": "bob@example.org", "nickname": "Bob",
                                       "groups": ["Friends"], "subscriptionType": 3}]),
    "RosterEntities": obj({"roster": array_of(ref("RosterItemEntity"))}),
    "PresenceEntity": obj({"username": TEXT, "show": TEXT, "status": TEXT}),
    "PublicKey": obj({"publicKey": {"type": "string"}}, ["publicKey"]),
    # SparkWeb answers the archive's id, the message type and carried data, never the spec's
    # conversationID, fromJID, toJID, roomEvent or stanza.
    "ArchivedMessage": obj({"body": TEXT, "conversationID": nullable("integer", format="int64"),
                            "from": TEXT, "fromJID": ref("JID"), "roomEvent": FLAG,
                            "sentDate": DATE_TIME, "stanza": TEXT, "to": TEXT,
                            "toJID": ref("JID"), "id": TEXT, "type": {"type": "string"},
                            "data": {"description": "JSON carried in the message (XEP-0335), "
                                                    "or null."},
                            "dataIsText": {"type": "boolean", "description": "Only when the "
                                           "carried data is not JSON: data is its text."},
                            "outgoing": {"type": "boolean", "description": "One-to-one "
                                         "messages: the caller sent it."},
                            "room": {"type": "string", "description": "Room messages: the "
                                     "room's JID."},
                            "nick": nullable("string", description="Room messages: the "
                                             "sender's nickname."),
                            "messageId": nullable("string", description="The message's own "
                                                  "stanza id, the 'id' of its chatapi event; "
                                                  "null where the archive kept none.")},
                           ["id", "type", "body", "from", "to", "sentDate", "data",
                            "messageId"]),
    "Conversation": obj({"chatRoom": TEXT, "conversationID": nullable("integer", format="int64"),
                         "conversationParticipants": NAMES, "external": FLAG,
                         "lastActivity": DATE_TIME,
                         "messageCount": nullable("integer", format="int32"),
                         "messages": array_of(ref("ArchivedMessage")), "participantList": NAMES,
                         "participants": array_of(ref("JID")), "room": ref("JID"),
                         "startDate": DATE_TIME}),
    "Conversations": obj({"conversations": array_of(ref("Conversation"))}),
    "MUCRoomEntity": _MUC_ROOM,
    "MUCRoomEntities": obj({
        "chatRooms": array_of(ref("MUCRoomEntity")),
        "count": {"type": "integer", "description": "Rooms matching the filters, all pages."},
        "complete": {"type": "boolean", "description": "This is the last page."},
        "last": nullable("string", description="The page's last room name: 'after' it is "
                                               "the next page.")},
        ["chatRooms", "count", "complete", "last"]),
    "MUCRoomMessageEntity": obj({"body": TEXT, "delayFrom": TEXT, "delayStamp": TEXT,
                                 "from": TEXT, "to": TEXT, "type": TEXT, "subject": TEXT,
                                 "messageId": nullable("string", description=(
                                     "SparkWeb's addition: the message's stanza id, the 'id' "
                                     "of its chatapi.muc event (null where none was kept)."))},
                                ["body", "delayFrom", "delayStamp", "from", "to", "type",
                                 "subject", "messageId"]),
    "MUCRoomMessageEntities": obj({"messages": array_of(ref("MUCRoomMessageEntity"))},
                                  ["messages"]),
    # jid is the occupant JID (room@service/nick); userAddress the real JID, only for those
    # who may see it.
    "OccupantEntity": obj({"affiliation": TEXT, "jid": TEXT, "role": TEXT,
                           "userAddress": TEXT, "nick": TEXT},
                          ["affiliation", "jid", "role", "userAddress", "nick"]),
    "OccupantEntities": obj({"occupants": array_of(ref("OccupantEntity"))}, ["occupants"]),
    "ParticipantEntity": obj({"affiliation": TEXT, "jid": TEXT, "role": TEXT, "nick": TEXT},
                             ["affiliation", "jid", "role", "nick"]),
    "ParticipantEntities": obj({"participants": array_of(ref("ParticipantEntity"))},
                               ["participants"]),
    "Bookmark": obj({"bookmarkID": nullable("integer", format="int64"), "globalBookmark": FLAG,
                     "groups": NAMES, "name": TEXT, "properties": array_of(ref("UserProperty")),
                     "type": TEXT, "users": NAMES, "value": TEXT}),
    "Bookmarks": obj({"bookmarks": array_of(ref("Bookmark"))}),
}

_TOKEN_EXAMPLE = {"token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl",
                  "username": "alice", "expires": 1795795323}
_PASSKEY = obj({"id": {"type": "string"}, "name": TEXT, "createdAt": nullable("integer"),
                "lastUsedAt": nullable("integer"), "transports": NAMES,
                "backedUp": FLAG}, ["id", "name"])

_SPARKWEB_MODELS = {
    "Error": ERROR,
    "Empty": obj({}, examples=[{}]),
    "Token": obj({"token": {"type": "string"}, "username": {"type": "string"},
                  "expires": {"type": "integer", "description": "Unix time, seconds."}},
                 ["token", "username", "expires"], examples=[_TOKEN_EXAMPLE]),
    "Password": obj({"password": {"type": "string"}}, ["password"],
                    examples=[{"password": "the-password"}]),
    "Properties": obj({"properties": array_of(ref("UserProperty"))}, ["properties"]),
    "PropertyChange": obj({"name": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,100}$"},
                           "value": {"type": ["string", "number", "boolean", "null"]}},
                          ["name"], examples=[{"name": "theme", "value": "dark"}]),
    "ChatMessage": obj({"body": {"type": "string"}, "data": {"description": "Any JSON."},
                        "type": {"enum": ["chat", "normal", "headline"]}},
                       examples=[{"body": "Hello!", "type": "chat"}]),
    "SentMessage": obj({"id": {"type": "string"}, "to": {"type": "string"}}, ["id", "to"],
                       examples=[{"id": "7c7b5b1e-4a5e-4a8e-9a43-1f1f0c8a5d21",
                                  "to": "bob@example.org"}]),
    "SentChatState": obj({"to": {"type": "string"}, "state": {"type": "string"}},
                         ["to", "state"]),
    "PresenceChange": obj({"show": {"enum": ["available", "chat", "away", "xa", "dnd"]},
                           "status": {"type": "string", "maxLength": 1024}},
                          examples=[{"show": "away", "status": "At lunch"}]),
    "PresenceSet": obj({"show": {"type": "string"}, "status": TEXT}, ["show"]),
    "UserPresence": obj({"username": {"type": "string"}, "type": {"type": "string"},
                         "show": TEXT, "status": TEXT}, ["username", "type"],
                        examples=[{"username": "bob", "type": "available", "show": "away",
                                   "status": "At lunch"}]),
    "RosterPresence": obj({"roster": array_of(obj({
        "jid": {"type": "string"}, "nickname": TEXT, "groups": NAMES,
        "subscriptionType": nullable("integer"), "type": TEXT, "show": TEXT, "status": TEXT},
        ["jid"]))}, ["roster"]),
    "WebAuthnOptions": obj({}, additionalProperties=True,
                           description="Options for navigator.credentials.create() or .get(), "
                                       "as JSON (WebAuthn Level 3)."),
    "PasskeyCredential": _PASSKEY,
    "PasskeyCredentials": obj({"credentials": array_of(ref("PasskeyCredential"))},
                              ["credentials"]),
    "PasskeyName": obj({"name": {"type": "string"}}, ["name"], examples=[{"name": "Laptop"}]),
    "PublicKeyCredential": obj({}, additionalProperties=True,
                               description="credential.toJSON() of the browser, optionally "
                                           "with a \"name\" for a new passkey."),
}

MODELS = dict(_SPEC_MODELS)
MODELS.update(_SPARKWEB_MODELS)

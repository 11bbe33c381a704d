"""Bookmarks (spec tag bookmarks), under ``/bookmark`` and ``/bookmarks``; see
:mod:`sparkweb.bookmarks` for where they are kept and :mod:`sparkweb.bookmarks.model` for the
body.

A ``{bookmarkID}`` that is a number names a shared bookmark (Openfire's Bookmarks plugin); one
that is a room's JID names one of the caller's own group-chat bookmarks (XEP-0402).

``GET /bookmarks``: what is meant for the caller: global shared bookmarks, those listing the
caller or one of the caller's groups, and the caller's own; ``?scope=all`` (administrators)
lists every shared one instead of those meant for the caller. ``POST /bookmark``: with
``globalBookmark`` true, ``users``, ``groups`` or ``"shared": true`` a shared bookmark
(administrators only; 501 without the plugin), otherwise one of the caller's own (a group
chat). ``PUT``: changes the fields given. ``POST``/``DELETE /bookmark/{id}/{name}``: one
property; the POST body is the value (text, or a JSON string). Answers are the bookmark.
"""
from __future__ import absolute_import

from java.util.concurrent import TimeUnit

from sparkweb.api.fields import is_number
from sparkweb.api.schemas import FLAG, NAMES, array_of, obj, ref
from sparkweb.bookmarks import model, pep
from sparkweb.bookmarks.shared import SharedBookmarks
from sparkweb.errors import BadRequest, Conflict, NotFound, ServiceUnavailable
from sparkweb.http.routing import USER, Body, Param, Route

MAX_SHARED_ID_DIGITS = 18       # a Java long
EDIT_WAIT_SECONDS = 30          # for another change of the user's own bookmarks to finish


def _shared(request):
    return SharedBookmarks(request.app.openfire, request.app.settings, request.user)


def _own(request):
    session = request.app.sessions.get_or_start(request.user)
    return pep.OwnBookmarks(session, u"%s@%s" % (request.user,
                                                 request.app.openfire.xmpp_domain()))


def _shared_id(request):
    """The shared bookmark's number, or None when the id names an own bookmark (a room)."""
    text = request.params["bookmarkID"]
    if is_number(text) and len(text) <= MAX_SHARED_ID_DIGITS:
        return int(text)
    return None


def _room(request):
    return model.check_value(u"group_chat", request.params["bookmarkID"], None)


def _one_edit_at_a_time(change):
    """Runs a read-change-publish of the caller's own bookmarks alone: two tabs creating one
    room would both pass the duplicate check, two property changes would lose one. (Another
    XMPP client of the user can still race: PEP has no compare-and-set.)"""
    def serialised(request, *args):
        lock = request.app.sessions.get_or_start(request.user).pep_edits
        if not lock.tryLock(EDIT_WAIT_SECONDS, TimeUnit.SECONDS):
            raise ServiceUnavailable("Another change of your bookmarks is still under way.")
        try:
            return change(request, *args)
        finally:
            lock.unlock()
    return serialised


def _own_bookmark(request):
    room = _room(request)
    found = _own(request).get(room)
    if found is None:
        raise NotFound("No bookmark %s." % room)
    return found


def _own_json(bookmark):
    return model.own_json(bookmark.room, bookmark.name, bookmark.properties)


def _is_shared(body, fields):
    return body.get("shared") is True or fields.get("globalBookmark") is True or bool(
        fields.get("users")) or bool(fields.get("groups"))


def get_bookmarks(request):
    scope = request.query("scope", "mine")
    if scope not in ("mine", "all"):
        raise BadRequest("'scope' must be 'mine' or 'all'.")
    bookmarks = _shared(request)
    audience = bookmarks.is_admin()
    shared = [model.shared_json(b, audience) for b in bookmarks.visible(scope == "all")]
    return {"bookmark": shared + [_own_json(b) for b in _own(request).all()]}


def get_bookmark(request):
    bookmark_id = _shared_id(request)
    if bookmark_id is not None:
        bookmarks = _shared(request)
        return model.shared_json(bookmarks.get(bookmark_id), bookmarks.is_admin())
    return _own_json(_own_bookmark(request))


def create_bookmark(request):
    app = request.app
    body = request.json_object('JSON {"type": ..., "name": ..., "value": ...}')
    fields = model.parse(body, app.openfire, app.settings)
    if _is_shared(body, fields):
        return model.shared_json(_shared(request).create(fields))
    if fields["type"] != u"group_chat":
        raise BadRequest("Your own bookmarks are group chats (XEP-0402); URL bookmarks are "
                         "shared bookmarks, which administrators make.")
    room = model.check_value(u"group_chat", fields["value"], None)
    return _create_own(request, room, fields)


@_one_edit_at_a_time
def _create_own(request, room, fields):
    own = _own(request)
    existing = own.all()
    if any(b.room == room for b in existing):
        raise Conflict("You have a bookmark of %s already." % room)
    if len(existing) >= pep.MAX_ITEMS:
        raise BadRequest("You may have at most %d bookmarks." % pep.MAX_ITEMS)
    bookmark = pep.new_bookmark(room, fields["name"], fields.get("properties", {}))
    own.publish(bookmark)
    return _own_json(bookmark)


def update_bookmark(request):
    app = request.app
    fields = model.parse(request.json_object('JSON {"name": ..., ...}'), app.openfire,
                         app.settings, partial=True)
    bookmark_id = _shared_id(request)
    if bookmark_id is not None:
        return model.shared_json(_shared(request).update(bookmark_id, fields))
    return _update_own(request, fields)


@_one_edit_at_a_time
def _update_own(request, fields):
    bookmark = _own_bookmark(request)
    if fields.get("type", u"group_chat") != u"group_chat" or fields.get("globalBookmark") or \
            fields.get("users") or fields.get("groups"):
        raise BadRequest("Your own bookmarks are group chats for you alone; an administrator "
                         "makes shared ones.")
    if "value" in fields and model.check_value(u"group_chat", fields["value"], None) != \
            bookmark.room:
        raise BadRequest("The room of a bookmark cannot change; create a new bookmark.")
    bookmark.change(fields.get("name"), fields.get("properties"))
    _own(request).publish(bookmark)
    return _own_json(bookmark)


def delete_bookmark(request):
    bookmark_id = _shared_id(request)
    if bookmark_id is not None:
        _shared(request).delete(bookmark_id)
        return {}
    bookmark = _own_bookmark(request)
    _own(request).retract(bookmark.room)
    return {}


def _property_value(request):
    if request.is_json():
        value = request.json()
        if not isinstance(value, basestring):
            raise BadRequest("Expected the value as a JSON string.")
        return model.property_value(value)
    return model.property_value(request.text())


def set_bookmark_property(request):
    name = model.check_property_name(request.params["name"])
    value = _property_value(request)
    bookmark_id = _shared_id(request)
    if bookmark_id is not None:
        return model.shared_json(_shared(request).set_property(bookmark_id, name, value))
    return _change_own_property(request, name, value)


def delete_bookmark_property(request):
    name = model.check_property_name(request.params["name"])
    bookmark_id = _shared_id(request)
    if bookmark_id is not None:
        return model.shared_json(_shared(request).delete_property(bookmark_id, name))
    return _change_own_property(request, name, None)


@_one_edit_at_a_time
def _change_own_property(request, name, value):
    bookmark = _own_bookmark(request)
    properties = bookmark.properties
    if value is None:
        properties.pop(name, None)
    else:
        properties[name] = value
        model.check_property_count(properties, request.app.settings)
    bookmark.change(properties=properties)
    _own(request).publish(bookmark)
    return _own_json(bookmark)


_ID = {"type": ["integer", "string"],
       "description": "The Bookmarks plugin's number for a shared bookmark, the room's JID for "
                      "one of your own."}
_PROPERTIES = {"oneOf": [array_of(ref("PropertyChange")), array_of(ref("UserProperty")),
                         {"type": "object", "additionalProperties": {
                             "type": ["string", "number", "boolean", "null"]}}]}
# The spec's Bookmark with what SparkWeb adds: a string id for own bookmarks, and "shared".
MODELS = {
    "BookmarkEntry": obj({
        "bookmarkID": _ID, "type": {"enum": ["url", "group_chat"]}, "name": {"type": "string"},
        "value": {"type": "string"}, "globalBookmark": {"type": "boolean"}, "users": NAMES,
        "groups": NAMES, "properties": array_of(ref("UserProperty")),
        "shared": {"type": "boolean", "description": "true: Openfire's Bookmarks plugin; false: "
                                                     "your own XEP-0402 bookmark."}},
        ["bookmarkID", "type", "name", "value", "globalBookmark", "users", "groups",
         "properties", "shared"],
        examples=[{"bookmarkID": "lobby@conference.example.org", "type": "group_chat",
                   "name": "Lobby", "value": "lobby@conference.example.org",
                   "globalBookmark": False, "users": [], "groups": [],
                   "properties": [{"key": "autojoin", "value": "true"}], "shared": False}]),
    "BookmarkList": obj({"bookmark": array_of(ref("BookmarkEntry"))}, ["bookmark"]),
    "BookmarkInput": obj({
        "type": {"enum": ["url", "group_chat"]}, "name": {"type": "string", "maxLength": 255},
        "value": {"type": "string", "maxLength": 255}, "globalBookmark": FLAG,
        "users": NAMES, "groups": NAMES, "properties": _PROPERTIES, "shared": FLAG},
        examples=[{"type": "group_chat", "name": "Lobby",
                   "value": "lobby@conference.example.org", "properties": {"autojoin": True}}]),
}

_TAG = "bookmarks"
_ID_PARAM = {"bookmarkID": "A number (a shared bookmark) or a room's JID (one of your own)."}
_NAME_PARAM = dict(_ID_PARAM, name="The property name: 1 to 100 of A-Z a-z 0-9 . _ : -")
_ONE = ref("BookmarkEntry")
_NOT_FOUND = "No such bookmark, or a shared one not meant for the caller."
_SHARED_ONLY = "A shared bookmark, and the caller is no Openfire administrator."
_NO_PLUGIN = "A shared bookmark, and Openfire's Bookmarks plugin is not installed."
_BAD_ID = "The id is neither a number nor a room's JID, or the body is not a valid bookmark."
_CHANGE_ANSWERS = {200: _ONE, 400: _BAD_ID, 403: _SHARED_ONLY, 404: _NOT_FOUND,
                   501: _NO_PLUGIN, 503: "The XMPP server did not answer in time."}


def _answers(status, answer):
    answers = dict(_CHANGE_ANSWERS)
    answers[status] = answer
    return answers


ROUTES = [
    Route("GET", "/bookmarks", get_bookmarks, summary="Get all bookmarks", tag=_TAG,
          access=USER, params={"scope": Param(
              "mine (default): what is meant for the caller; all: every shared bookmark "
              "(administrators).", schema={"enum": ["mine", "all"]})},
          answers={200: ref("BookmarkList"), 400: "'scope' is neither mine nor all.",
                   403: "scope=all, and the caller is no Openfire administrator."}),
    Route("POST", "/bookmark", create_bookmark, summary="Create a new bookmark", tag=_TAG,
          access=USER, body=Body("The bookmark; shared when global, for users or groups, or "
                                 "\"shared\": true.", json=ref("BookmarkInput")),
          answers={200: _ONE, 400: "Not a valid bookmark (an own one is a group chat).",
                   403: _SHARED_ONLY, 404: "A listed user or group does not exist.",
                   409: "The caller has a bookmark of that room already.", 501: _NO_PLUGIN,
                   503: "The XMPP server did not answer in time."}),
    Route("GET", "/bookmark/{bookmarkID}", get_bookmark, summary="Get a specific bookmark",
          tag=_TAG, access=USER, params=_ID_PARAM,
          answers={200: _ONE, 400: _BAD_ID, 404: _NOT_FOUND, 501: _NO_PLUGIN,
                   503: "The XMPP server did not answer in time."}),
    Route("PUT", "/bookmark/{bookmarkID}", update_bookmark, summary="Update a specific bookmark",
          tag=_TAG, access=USER, params=_ID_PARAM,
          body=Body("The fields to change; absent ones stay.", json=ref("BookmarkInput")),
          answers=_CHANGE_ANSWERS),
    Route("DELETE", "/bookmark/{bookmarkID}", delete_bookmark,
          summary="Delete a specific bookmark", tag=_TAG, access=USER, params=_ID_PARAM,
          answers=_answers(200, ref("Empty"))),
    Route("POST", "/bookmark/{bookmarkID}/{name}", set_bookmark_property,
          summary="Create/Update a bookmark property", tag=_TAG, access=USER,
          params=_NAME_PARAM,
          body=Body("The value.", json={"type": "string"}, text="The value as text."),
          answers=_CHANGE_ANSWERS),
    Route("DELETE", "/bookmark/{bookmarkID}/{name}", delete_bookmark_property,
          summary="Delete a bookmark property", tag=_TAG, access=USER, params=_NAME_PARAM,
          answers=_CHANGE_ANSWERS),
]

"""The spec's ``Bookmark`` model in and out.

In (POST and PUT bodies): ``{"type": "url"|"group_chat", "name", "value", "globalBookmark",
"users": [username], "groups": [group name], "properties": [{"key" or "name", "value"}] or
{"<name>": "<value>"}}``; other fields (``bookmarkID``, ``propertyNames``, ``shared``) are
ignored, so a page may send back what it read. Property names and values follow the rules of
user properties (:mod:`sparkweb.user_properties`): the same pattern, lengths and count.

Out: those fields, ``properties`` as ``[{"key", "value"}]`` (the UserProperty model), plus
``bookmarkID`` (the plugin's number for a shared bookmark, the room's JID for one's own) and
``shared``. Lists are ``{"bookmark": [...]}``.
"""
from __future__ import absolute_import

from sparkweb import config, user_properties
from sparkweb.auth.usernames import normalize
from sparkweb.errors import BadRequest
from sparkweb.openfire import shared_bookmarks as store
from sparkweb.xmpp import jid
from sparkweb.xmpp.stanza import xml_text

URL_SCHEMES = (u"http://", u"https://")


def parse(body, openfire, settings, partial=False):
    """The fields present in ``body``, checked: a dict with the keys of the model in.
    Unless ``partial``, ``name`` and ``value`` are required and ``type`` defaults to
    ``group_chat``."""
    if not isinstance(body, dict):
        raise BadRequest('Expected a JSON object {"type": ..., "name": ..., "value": ...}.')
    fields = {}
    if body.get("type") is not None or not partial:
        fields["type"] = _type(body.get("type", u"group_chat"))
    for key, limit in (("name", store.MAX_NAME_LENGTH), ("value", store.MAX_VALUE_LENGTH)):
        if key in body or not partial:
            fields[key] = _text(key, body.get(key), limit)
    if body.get("globalBookmark") is not None:
        if not isinstance(body["globalBookmark"], bool):
            raise BadRequest("'globalBookmark' must be true or false.")
        fields["globalBookmark"] = body["globalBookmark"]
    domain = openfire.xmpp_domain()
    if body.get("users") is not None:
        fields["users"] = _unique([normalize(name, domain) for name in _names("users", body)])
    if body.get("groups") is not None:
        fields["groups"] = _unique(_names("groups", body))
    if body.get("properties") is not None:
        fields["properties"] = parse_properties(body["properties"], settings)
    return fields


def check_value(kind, value, domain):
    """``value`` as stored for a bookmark of ``kind``: a room's bare JID, or an http(s) URL
    (no ``javascript:`` link on anybody's page)."""
    if kind == u"group_chat":
        room = jid.parse(value)
        if room.resource is not None or room.node is None:
            raise BadRequest("A group chat bookmark's value is a room's JID (room@service).")
        return room.bare
    if not value.lower().startswith(URL_SCHEMES) or any(c.isspace() for c in value):
        raise BadRequest("A URL bookmark's value must be an http or https URL.")
    return value


def parse_properties(properties, settings):
    """``{name: value}`` from the ``properties`` of a body; null or empty values are left out."""
    if isinstance(properties, dict):
        properties = [{"name": name, "value": value} for name, value in properties.items()]
    if not isinstance(properties, list):
        raise BadRequest("'properties' must be a list of {\"key\": ..., \"value\": ...}.")
    pairs = user_properties.parse_changes(properties)
    for name, value in pairs:
        xml_text(name, value)
    kept = dict((name, value) for name, value in pairs if value is not None)
    check_property_count(kept, settings)
    return kept


def property_value(value):
    """The value of ``POST /bookmark/{id}/{name}``: the body text, or a JSON string."""
    checked = user_properties.parse_changes([{"name": "x", "value": value}])[0][1]
    if checked is None:
        raise BadRequest("A property value must not be empty.")
    return xml_text("value", checked)


def check_property_name(name):
    return user_properties.parse_changes([{"name": name, "value": "x"}])[0][0]


def check_property_count(properties, settings):
    limit = settings.get(config.USER_PROPERTIES_MAX)
    if len(properties) > limit:
        raise BadRequest("A bookmark may have at most %d properties." % limit)


def _type(value):
    if value not in store.TYPES:
        raise BadRequest("'type' must be one of %s." % ", ".join(store.TYPES))
    return unicode(value)


def _text(key, value, limit):
    if not isinstance(value, basestring) or not value.strip():
        raise BadRequest("'%s' must be a non-empty string." % key)
    if len(value.encode("utf-8")) > limit:
        raise BadRequest("'%s' may have at most %d bytes (UTF-8)." % (key, limit))
    return xml_text(key, value)


def _names(key, body):
    names = body[key]
    if not isinstance(names, list) or not all(
            isinstance(name, basestring) and name.strip() for name in names):
        raise BadRequest("'%s' must be a list of non-empty strings." % key)
    if len(names) > 1000:
        raise BadRequest("'%s' may list at most 1000 names." % key)
    for name in names:
        if len(name) > store.MAX_AUDIENCE_NAME_LENGTH:
            raise BadRequest("A name in '%s' may have at most %d characters."
                             % (key, store.MAX_AUDIENCE_NAME_LENGTH))
        xml_text(key, name)
    return names


def _unique(names):
    seen = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return seen


def properties_json(properties):
    return [{"key": name, "value": properties[name]} for name in sorted(properties)]


def shared_json(bookmark, audience=True):
    """``audience``: with whom it is shared (``users``, ``groups``), for administrators only:
    the Bookmarks plugin shows XMPP clients the bookmark, never who else got it."""
    return {"bookmarkID": bookmark.bookmark_id, "type": bookmark.type, "name": bookmark.name,
            "value": bookmark.value, "globalBookmark": bookmark.is_global,
            "users": list(bookmark.users) if audience else [],
            "groups": list(bookmark.groups) if audience else [],
            "properties": properties_json(bookmark.properties), "shared": True}


def own_json(room, name, properties):
    return {"bookmarkID": room, "type": u"group_chat", "name": name, "value": room,
            "globalBookmark": False, "users": [], "groups": [],
            "properties": properties_json(properties), "shared": False}

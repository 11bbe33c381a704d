"""The user properties a page may see and change: which ones, which names, how many, how long.

Protected names (``config.ALWAYS_PROTECTED`` and the administrator's ``sparkweb.properties.
protected``) hold secrets and push state; they are never listed and never written. A change is
checked whole before anything is written, so a refused request changes nothing, and checked and
written under a per-user lock, so parallel requests cannot pass the limit together.
"""
from __future__ import absolute_import

import math
import re

from java.util.concurrent.locks import ReentrantLock

from sparkweb import config
from sparkweb.errors import BadRequest, Forbidden
from sparkweb.jsontext import to_json

# Openfire stores user properties in ofUserProp (name VARCHAR(100), propValue VARCHAR(4000)).
MAX_NAME_LENGTH = 100
MAX_VALUE_LENGTH = 4000

# ASCII only, no spaces: some databases compare names case-, accent- or trailing-space-
# insensitively, which could let a look-alike name overwrite a protected property.
# \A and \Z, not ^ and $: "$" also matches before a final newline ("abc\n").
NAME_PATTERN = re.compile(r"\A[A-Za-z0-9._:-]+\Z")

# Striped: a fixed number of locks, whatever the number of users. Per node: on a cluster,
# requests of one user on two nodes are not serialised.
_USER_LOCKS = tuple(ReentrantLock() for _ in range(64))

FORBIDDEN_MESSAGE = "These properties cannot be read or written through the API."


def visible(settings, properties):
    """``properties`` (a dict) as the spec's UserProperty list, protected ones left out."""
    return [{"key": name, "value": properties[name]} for name in sorted(properties)
            if not settings.is_protected_property(name)]


def parse_changes(body):
    """``[(name, value or None)]`` from a request body; None means delete.

    Accepted: ``[{"name": n, "value": v}, ...]`` (the spec), ``{"key": ...}`` instead of
    ``"name"`` (the UserProperty model), ``{"properties": [...]}`` (what GET answers) and a
    single ``{"name": n, "value": v}``. Values are strings; numbers and booleans are stored as
    their JSON text; ``null`` or ``""`` deletes the property.
    """
    if isinstance(body, dict):
        body = body["properties"] if "properties" in body else [body]
    if not isinstance(body, list):
        raise BadRequest('Expected a JSON array of {"name": ..., "value": ...}.')
    changes = [_pair(entry) for entry in body]
    names = [name for name, _ in changes]
    if len(set(names)) != len(names):
        raise BadRequest("A property name appears more than once.")
    return changes


def _pair(entry):
    if not isinstance(entry, dict):
        raise BadRequest('Each property must be an object {"name": ..., "value": ...}.')
    name = entry.get("name", entry.get("key"))
    if not isinstance(name, basestring) or not NAME_PATTERN.match(name) or \
            len(name) > MAX_NAME_LENGTH:
        raise BadRequest("A property name must be 1 to %d of A-Z a-z 0-9 . _ : -"
                         % MAX_NAME_LENGTH)
    return name, _value(entry.get("value"))


def _value(value):
    if value is None or value == u"":
        return None
    if isinstance(value, bool):
        value = u"true" if value else u"false"
    elif isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        raise BadRequest("A property value must be a finite number.")
    elif isinstance(value, (int, long, float)):
        value = unicode(to_json(value))
    if not isinstance(value, basestring):
        raise BadRequest("A property value must be a string, a number, a boolean or null.")
    if _utf16_length(value) > MAX_VALUE_LENGTH:
        raise BadRequest("A property value may have at most %d characters." % MAX_VALUE_LENGTH)
    return value


def _utf16_length(text):
    """Length as the database counts it (UTF-16 units: an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def check_changes(settings, current, changes):
    """Raises unless every change may be applied to a user whose properties are ``current``."""
    if any(settings.is_protected_property(name) for name, _ in changes):
        raise Forbidden(FORBIDDEN_MESSAGE)
    limit = settings.get(config.USER_PROPERTIES_MAX)
    after = set(name for name in current if not settings.is_protected_property(name))
    for name, value in changes:
        (after.discard if value is None else after.add)(name)
    added = [name for name, value in changes if value is not None and name not in current]
    if added and len(after) > limit:
        raise BadRequest("A user may have at most %d properties." % limit)


def apply_changes(openfire, settings, username, changes):
    """Checks all of ``changes``, then writes them in order, with no other change of this
    user's properties in between; answers the visible properties."""
    lock = _USER_LOCKS[hash(username) % len(_USER_LOCKS)]
    lock.lock()
    try:
        check_changes(settings, openfire.get_user_properties(username), changes)
        for name, value in changes:
            if value is None:
                openfire.delete_user_property(username, name)
            else:
                openfire.set_user_property(username, name, value)
    finally:
        lock.unlock()
    return visible(settings, openfire.get_user_properties(username))

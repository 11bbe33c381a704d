"""Reading what the group-chat routes take: the room (a name or a full room JID, on the
service ``serviceName``), the nickname, the password, a message and a reason.

A room JID is ``room@<service>.<xmpp domain>`` (with the dot the earlier plugin dropped); a
service that is not a MUC service of this server is 404, a room name or nickname Openfire's
JID class would refuse is 400.
"""
from __future__ import absolute_import

from sparkweb import config
from sparkweb.api.fields import is_number
from sparkweb.errors import BadRequest, NotFound
from sparkweb.jsontext import to_json
from sparkweb.xmpp import jid, stanza

DEFAULT_SERVICE = u"conference"
MAX_NICK_CHARS = 256
DEFAULT_ROOMS_PER_PAGE, MAX_ROOMS_PER_PAGE = 100, 500
MAX_REASON_CHARS = 500     # an invitation's reason: a line, not a message (review A3)


class RoomAddress(object):
    def __init__(self, service, name, domain):
        self.service = service
        self.name = name
        self.jid = u"%s@%s.%s" % (name, service, domain)


def service_name(request, openfire):
    service = (request.query("serviceName") or DEFAULT_SERVICE).strip().lower()
    if not service or u"." in service or not _label(service) or \
            not openfire.muc_service_exists(service):
        raise NotFound("No multi-user chat service '%s' on this server." % service[:64])
    return service


def _label(text):
    return all(c.isalnum() or c in u"-_" for c in text) and len(text) <= 63


def room_address(request):
    """The :class:`RoomAddress` of ``{roomName}`` (and ``serviceName``)."""
    openfire = request.app.openfire
    domain = openfire.xmpp_domain()
    text = request.params["roomName"]
    if u"@" in text:
        parsed = jid.parse(text)
        if parsed.resource or not parsed.domain.endswith(u"." + domain):
            raise NotFound("'%s' is not a room of this server." % text[:100])
        service = parsed.domain[:-len(domain) - 1]
        if not _label(service) or not openfire.muc_service_exists(service):
            raise NotFound("No multi-user chat service '%s' on this server." % service[:64])
        return RoomAddress(service, parsed.node, domain)
    service = service_name(request, openfire)
    parsed = jid.parse(text, u"%s.%s" % (service, domain))
    if parsed.resource:
        raise BadRequest("A room name has no '/'.")
    return RoomAddress(service, parsed.node, domain)


def rooms_per_page(request):
    value = request.query("max")
    if value is None or value == "":
        return DEFAULT_ROOMS_PER_PAGE
    if not is_number(value) or not 1 <= int(value) <= MAX_ROOMS_PER_PAGE:
        raise BadRequest("'max' must be a whole number from 1 to %d." % MAX_ROOMS_PER_PAGE)
    return int(value)


def rooms_after(request):
    """The room name a page starts after; compared, never parsed, so any text will do."""
    return (request.query("after") or u"").lower()[:MAX_NICK_CHARS * 4] or None


def _options(request):
    """The JSON object of a join body ({"nick", "password"}), or {} for no or a text body."""
    if not request.is_json() or not request.text().strip():
        return {}
    return request.json_object('JSON {"nick": ..., "password": ...}')


def join_options(request, room):
    """(nickname, password): ``nick`` from the query or the JSON body, by default the
    user's display name, then the username; ``password`` from the JSON body only (never in a
    URL, where logs would keep it)."""
    body = _options(request)
    nick = request.query("nick") or body.get("nick")
    password = body.get("password")
    for name, value in (("nick", nick), ("password", password)):
        if value is not None and not isinstance(value, basestring):
            raise BadRequest("'%s' must be a string." % name)
    if nick:
        return _nickname(room, nick), password
    user = request.app.openfire.get_user(request.user)
    name = (user.name if user is not None else u"").strip()
    try:        # a display name that makes no nickname (too long, refused characters)
        return _nickname(room, name or request.user), password
    except BadRequest:     # is not the caller's mistake: the username then
        return _nickname(room, request.user), password


def _nickname(room, nick):
    if len(nick) > MAX_NICK_CHARS:
        raise BadRequest("The nickname is longer than %d characters." % MAX_NICK_CHARS)
    return jid.parse(u"%s/%s" % (room.jid, stanza.xml_text("nick", nick))).resource


def message_fields(request):
    """(body, data as JSON text): a text body, or JSON ``{"body": ..., "data": ...}``."""
    if not request.is_json():
        text = request.text()
        if not text:
            raise BadRequest("The message is empty.")
        return text, None
    body = request.json_object('JSON {"body": ..., "data": ...}')
    text, data = body.get("body"), body.get("data")
    if text is not None and not isinstance(text, basestring):
        raise BadRequest("'body' must be a string.")
    if not text and data is None:
        raise BadRequest("A message needs a 'body' or 'data'.")
    return text, (to_json(data) if data is not None else None)


def invitation_reason(request):
    """The reason of an invitation: the text body, or JSON ``{"reason": ...}``; may be empty."""
    if not request.is_json():
        reason = request.text() or None
    elif not request.text().strip():
        reason = None
    else:
        reason = request.json_object('JSON {"reason": ...}').get("reason")
    if reason is not None and not isinstance(reason, basestring):
        raise BadRequest("'reason' must be a string.")
    if reason is not None and len(reason) > MAX_REASON_CHARS:
        raise BadRequest("The reason is longer than %d characters." % MAX_REASON_CHARS)
    return reason


def invitee(request):
    """The invitee's JID: a user of this server, or a user of another server; not a room or
    another service of this server (a room inviting itself, review A3: 400). Syntax only, so
    it tells nothing about accounts; :func:`invitee_exists` does."""
    domain = request.app.openfire.xmpp_domain()
    parsed = jid.parse(request.params["invitedJid"], domain)
    if parsed.domain.endswith(u"." + domain):
        raise BadRequest("'%s' is a service of this server, not a user." % parsed.bare[:100])
    return parsed


def invitee_exists(request, parsed):
    """Whether the invitation may go to ``parsed``. An unknown user of this server is 404 while
    the user directory is on; with it off (who has an account is hidden) False: answered as a
    user, nothing is sent (review S5-11-1)."""
    openfire = request.app.openfire
    if parsed.domain != openfire.xmpp_domain() or openfire.get_user(parsed.node) is not None:
        return True
    if request.app.settings.get(config.DIRECTORY_ENABLED):
        raise NotFound("No user '%s' on this server." % parsed.node[:100])
    return False

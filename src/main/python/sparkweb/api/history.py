"""Conversation history (spec tags chat and group chat): ``GET /chat/messages`` and
``GET /groupchat/messages``, read from the server's message archive by the signed-in user's
own XMPP session (XEP-0313), so only what that user may read: their own one-to-one archive,
and the archive of a room they are in or are a member, admin or owner of (anyone else gets the
404 of a room that does not exist). Without an archive (Openfire's Monitoring plugin) both are
501.

Filters: ``with`` (or the spec's ``to``: the other party, a username or JID), ``start`` and
``end`` (ISO 8601 times or dates, or the spec's ``MM/dd/yy``; a date as ``end`` means the
end of that day, UTC), ``keywords`` (the archive's full-text search). Paging (XEP-0059):
``max`` messages per page (1-250, default 50); ``after`` an id gives the next page, ``before``
an id the previous one, ``before`` empty the newest page. A page lists its messages oldest
first, with ``first``/``last`` (the ids to page on), ``complete`` and ``count``.
"""
from __future__ import absolute_import

from java.time import Instant, LocalDate, OffsetDateTime, ZoneOffset
from java.time.format import DateTimeFormatter, DateTimeParseException
from java.util.regex import Pattern

from sparkweb.errors import BadRequest, NotFound
from sparkweb.api.fields import is_number
from sparkweb.api.schemas import array_of, nullable, obj, ref
from sparkweb.http.routing import USER, Param, Route
from sparkweb.api.groupchat_input import RoomAddress
from sparkweb.session import archive, room_view
from sparkweb.xmpp import jid
from sparkweb.xmpp.forwarding import ArchiveQuery
from sparkweb.xmpp.stanza import xml_text

DEFAULT_PAGE, MAX_PAGE = 50, 250
MAX_TEXT = 200                # keywords, and the archive ids given to page on
_SPEC_DATE = DateTimeFormatter.ofPattern("MM/dd/yy")
_UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                        "[0-9a-fA-F]{12}")
_DIGITS = Pattern.compile("[0-9]{1,19}")
_LONG_MAX = 2 ** 63 - 1


def _time(request, name, end_of_day):
    value = request.query(name)
    if value is None or value == "":
        return None
    for parse in (lambda: OffsetDateTime.parse(value).toInstant(),
                  lambda: _day(LocalDate.parse(value), end_of_day),
                  lambda: _day(LocalDate.parse(value, _SPEC_DATE), end_of_day)):
        try:
            instant = parse()
        except DateTimeParseException:
            continue
        # XEP-0082 times have four-digit years; the archive ignores (and logs as an error)
        # any other, which would answer everything instead of nothing.
        if not 1 <= OffsetDateTime.ofInstant(instant, ZoneOffset.UTC).getYear() <= 9999:
            raise BadRequest("'%s' must be a time in the years 0001 to 9999." % name)
        return unicode(instant.toString())
    raise BadRequest("'%s' must be an ISO 8601 time (2026-12-02T08:00:00Z), a date "
                     "(2026-12-02) or MM/dd/yy." % name)


def _day(date, end_of_day):
    start = date.atStartOfDay().toInstant(ZoneOffset.UTC)
    return start.plusSeconds(86400).minusMillis(1) if end_of_day else start


def _bounded_text(request, name, empty_allowed=False):
    value = request.query(name)
    if value is None or (value == "" and not empty_allowed):
        return None
    if len(value) > MAX_TEXT:
        raise BadRequest("'%s' is longer than %d characters." % (name, MAX_TEXT))
    return xml_text(name, value)


def _page_key(request, name, empty_allowed=False):
    """An archive id to page on: the archive's ids are numbers (of at most 19 digits, a
    database key) or UUIDs (stable stanza ids, XEP-0359). Anything else names no message, and
    is answered so without asking: Openfire's archive fails on it and logs an error."""
    value = _bounded_text(request, name, empty_allowed)
    if not value or _UUID.matcher(value).matches() or (
            _DIGITS.matcher(value).matches() and int(value) <= _LONG_MAX):
        return value
    raise archive.unknown_page()


def _page_size(request):
    value = request.query("max")
    if value is None or value == "":
        return DEFAULT_PAGE
    if not is_number(value) or not 1 <= int(value) <= MAX_PAGE:
        raise BadRequest("'max' must be a whole number from 1 to %d." % MAX_PAGE)
    return int(value)


def _filters(request, with_jid):
    start, end = _time(request, "start", False), _time(request, "end", True)
    if start is not None and end is not None and Instant.parse(start).isAfter(Instant.parse(end)):
        raise BadRequest("'start' is after 'end'.")
    after, before = _page_key(request, "after"), _page_key(request, "before", True)
    if after is not None and before is not None:
        raise BadRequest("Page with 'after' or 'before', not both.")
    return ArchiveQuery(None, with_jid=with_jid, start=start, end=end,
                        text=_bounded_text(request, "keywords"), max=_page_size(request),
                        after=after, before=before)


def get_chat_messages(request):
    domain = request.app.openfire.xmpp_domain()
    other = request.query("with") or request.query("to")
    with_jid = unicode(jid.parse(other, domain)) if other else None
    filters = _filters(request, with_jid)
    session = request.app.sessions.get_or_start(request.user)
    own = u"%s@%s" % (request.user, domain)
    results, fin = archive.query(session, own, filters)
    return archive.page(results, fin, archive.chat_message(own))


def _hidden():
    return NotFound("No such room, or its history is not yours to read.")


def _room_address(request, openfire):
    """The room of ``room`` (a name on ``service``, or a room JID); a service that is none of
    this server's MUC services is the 404 of a hidden room."""
    domain, name = openfire.xmpp_domain(), request.query("room")
    if not name:
        raise BadRequest("'room' (a room name or room JID) is required.")
    if u"@" in name:
        room = jid.parse(name)
        service = room.domain[:-len(domain) - 1] if room.domain.endswith(u"." + domain) \
            else None
    else:
        service = request.query("service") or request.query("serviceName") or u"conference"
        room = jid.parse(u"%s@%s.%s" % (name, service, domain))
        service = room.domain[:-len(domain) - 1]
    if room.resource is not None:
        raise BadRequest("'room' names a room, not an occupant.")
    if not service or not openfire.muc_service_exists(service):
        raise _hidden()
    return RoomAddress(service, room.node, domain)


def get_groupchat_messages(request):
    openfire = request.app.openfire
    address = _room_address(request, openfire)
    filters = _filters(request, None)
    viewer = u"%s@%s" % (request.user, openfire.xmpp_domain())
    room = openfire.muc_room(address.service, address.name, viewer)
    if room is None or not room_view.can_read_history(room):
        raise _hidden()      # the same for a missing room and one the caller may not read
    session = request.app.sessions.get_or_start(request.user)
    results, fin = archive.query(session, address.jid, filters, missing=_hidden())
    return archive.page(results, fin, archive.room_message(address.jid))


MODELS = {
    "ArchivedMessages": obj({
        "messages": array_of(ref("ArchivedMessage")),
        "first": nullable("string", description="Archive id of the page's first message."),
        "last": nullable("string", description="Archive id of the page's last message: "
                                               "'after' it is the next page."),
        "complete": {"type": "boolean", "description": "No more pages in this direction."},
        "count": nullable("integer", description="All messages matching the filters.")},
        ["messages", "complete"],
        description="One page of archived messages, oldest first."),
}

_FILTERS = {
    "start": "Messages from this time on: ISO 8601 time or date, or MM/dd/yy (UTC).",
    "end": "Messages up to this time: ISO 8601 time, or a date (its end, UTC) or MM/dd/yy.",
    "keywords": "Words the messages contain (the archive's full-text search).",
    "max": Param("Messages per page.", {"type": "integer", "minimum": 1,
                                        "maximum": MAX_PAGE, "default": DEFAULT_PAGE}),
    "after": "Archive id: the page after it ('last' of the page before).",
    "before": "Archive id: the page before it ('first' of the page after); empty: the "
              "newest page.",
}
_ANSWERS = {400: "A filter or paging value is malformed, or 'after' and 'before' are both "
                 "given.",
            404: "'after' or 'before' names no message of this archive.",
            501: "The server has no message archive (Openfire's Monitoring plugin).",
            503: "The archive did not answer in time."}


def _answers(specific):
    answers = dict(_ANSWERS)
    answers.update(specific)
    return answers


ROUTES = [
    Route("GET", "/chat/messages", get_chat_messages,
          summary="Get chat messages", tag="chat", access=USER,
          description="The caller's own one-to-one archive (XEP-0313), paged (XEP-0059).",
          params=dict(_FILTERS, **{
              "with": "The other party: a username of this server or a JID.",
              "to": "The spec's name for 'with'."}),
          answers=_answers({200: ref("ArchivedMessages")})),
    Route("GET", "/groupchat/messages", get_groupchat_messages,
          summary="Get groupchat messages", tag="group_chat", access=USER,
          description="A room's archive, for its occupants, members, admins and owners.",
          params=dict(_FILTERS, **{
              "room": Param("A room name, or a room JID.", required=True),
              "service": "The MUC service of a room name (default conference).",
              "serviceName": "The same as 'service'."}),
          answers=_answers({
              200: ref("ArchivedMessages"),
              404: "No such room, or the caller is not in it and not its member, admin or "
                   "owner (the same answer for both); or 'after'/'before' names no message."})),
]

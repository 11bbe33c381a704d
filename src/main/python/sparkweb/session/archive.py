"""Conversation history from the server's message archive, asked for by the user's own XMPP
session as any client asks (XEP-0313 Message Archive Management, XEP-0059 paging).

The archive applies its own rules: a user's personal archive answers only that user, a room's
archive only those the room lets read it. Openfire answers MAM when its Monitoring plugin is
installed; without it the query is refused (service-unavailable), which is a 501 here.
"""
from __future__ import absolute_import

from sparkweb.errors import BadRequest, NotFound, PluginMissing, ServiceUnavailable
from sparkweb.events.catalogue import data_fields
from sparkweb.secure_random import random_id
from sparkweb.session.requests import QueryResults
from sparkweb.xmpp import forwarding

# How long a query may take. Openfire first waits until recent messages are written to its
# database (a few seconds at most), then sends the page.
ANSWER_SECONDS = 30
ARCHIVE_SERVICE, ARCHIVE_PLUGIN = "message archive (XEP-0313)", "Monitoring"


def query(session, archive_jid, filters, missing=None):
    """``(results, fin)`` of one page of ``archive_jid``'s archive; ``filters`` is an
    :class:`~sparkweb.xmpp.forwarding.ArchiveQuery` (its query id is set here). ``missing`` is
    the error for an archive that refuses to exist for the caller (item-not-found, forbidden).
    The results come as messages before the IQ's answer, which ends the page."""
    filters.query_id = random_id()
    results = QueryResults(filters.query_id)
    answer = session.request(forwarding.iq("set", random_id(), filters,
                                           recipient=archive_jid),
                             results=results, seconds=ANSWER_SECONDS)
    if answer.error is not None:
        raise _refusal(answer.error, missing, filters.after or filters.before)
    ordered = sorted(results.items, key=lambda result: result.stamp or u"")
    return ordered, answer.payload or forwarding.ArchiveFin()


def _refusal(condition, missing, page_key):
    if condition in ("service-unavailable", "feature-not-implemented"):
        return PluginMissing(ARCHIVE_PLUGIN, ARCHIVE_SERVICE)
    if condition in ("item-not-found", "forbidden", "not-allowed", "registration-required"):
        return missing or unknown_page()
    if condition == "internal-server-error" and page_key:
        # Openfire's Monitoring fails so on a page id that is neither one of its stable stanza
        # ids nor a number (ConversationManager.getMessageIdForStableId): an unknown page.
        return unknown_page()
    if condition in ("bad-request", "not-acceptable"):
        return BadRequest("The message archive refused the query (%s)." % condition)
    return ServiceUnavailable("The message archive failed (%s)." % condition)


def unknown_page():
    return NotFound("No such archive page: 'after' or 'before' names no message of this "
                    "archive.")


def page(results, fin, shape):
    """The JSON answer: the page's messages, oldest first, and the XEP-0059 paging keys."""
    return {"messages": [shape(result) for result in results], "first": fin.first,
            "last": fin.last, "complete": fin.complete, "count": fin.count}


def chat_message(owner_bare):
    """A function shaping one archived one-to-one message of ``owner_bare``'s archive."""
    def shape(result):
        message = result.message
        sender = message.sender or u""
        shaped = {"id": result.archive_id, "messageId": message.id, "from": message.sender,
                  "to": message.recipient, "type": message.type or "normal", "body": message.body,
                  "sentDate": result.stamp,
                  "outgoing": sender.partition(u"/")[0].lower() == owner_bare.lower()}
        shaped.update(data_fields(message.data))
        return shaped
    return shape


def room_message(room_bare):
    """A function shaping one archived message of the room ``room_bare``."""
    def shape(result):
        message = result.message
        sender = message.sender or u""
        room, _, nick = sender.partition(u"/")
        shaped = {"id": result.archive_id, "messageId": message.id, "from": message.sender,
                  "to": message.recipient, "type": message.type or "groupchat",
                  "body": message.body,
                  "subject": message.subject, "sentDate": result.stamp, "room": room_bare,
                  "nick": nick or None}
        shaped.update(data_fields(message.data))
        return shaped
    return shape


def room_chat_history(session, room_bare, max_messages):
    """The newest ``max_messages`` of a room's archive as the spec's MUCRoomMessageEntity
    dicts, oldest first, for ``GET /groupchat/room/{roomName}/chathistory`` (session.
    room_history): the caller has checked that the user may read the room. Raises
    :class:`~sparkweb.errors.PluginMissing` when there is no archive, NotFound when the archive
    refuses the user, ServiceUnavailable when it fails or does not answer."""
    results, _ = query(session, room_bare, forwarding.ArchiveQuery(None, max=max_messages,
                                                                  before=u""),
                       missing=NotFound("No such room, or its history is not yours to read."))
    return [{"body": result.message.body, "from": result.message.sender,
             "to": result.message.recipient, "type": result.message.type or "groupchat",
             "subject": result.message.subject, "delayFrom": room_bare,
             "delayStamp": result.stamp, "messageId": result.message.id} for result in results]

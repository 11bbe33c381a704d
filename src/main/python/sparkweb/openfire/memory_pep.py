"""Personal eventing (PEP, XEP-0163) of the in-memory Openfire: the part of Openfire's pubsub
that a user's own IQs reach: items get, publish (with publish-options), retract, node
configure.

It behaves as Openfire 5 does where SparkWeb depends on it: a node created by a publish keeps
one item unless the publish-options say otherwise; publish-options that do not match an
existing node's configuration are a ``conflict`` with ``precondition-not-met``; items of a
missing node are ``item-not-found``; ``max_items`` must be a number. Notifications to the
user's other clients are not modelled (no client here announces +notify).
"""
from __future__ import absolute_import

import threading
import xml.etree.ElementTree as ET

from sparkweb.xmpp import stanza as model

NS_PUBSUB = "http://jabber.org/protocol/pubsub"
NS_OWNER = NS_PUBSUB + "#owner"
NS_ERRORS = NS_PUBSUB + "#errors"
NS_DATA = "jabber:x:data"
DEFAULTS = {"pubsub#persist_items": "1", "pubsub#access_model": "presence",
            "pubsub#max_items": "1"}      # Openfire's PEPService leaf defaults


def _q(namespace, name):
    return "{%s}%s" % (namespace, name)


class _Node(object):
    def __init__(self):
        self.config = dict(DEFAULTS)
        self.items = []                   # [(item id, payload XML)], oldest first


class MemoryPep(object):
    def __init__(self, domain):
        self._domain = domain
        self._nodes = {}                  # (username, node id) -> _Node
        self._lock = threading.Lock()

    def handle(self, session, stanza):
        """Answers ``stanza`` (an IQ of ``session``) as Openfire would."""
        account = u"%s@%s" % (session.username, self._domain)
        if stanza.recipient not in (None, account) or stanza.type not in ("get", "set"):
            return self._answer(session, stanza, account, error="service-unavailable")
        children = list(ET.fromstring(stanza.get_xml().encode("utf-8")))
        if not children:
            return self._answer(session, stanza, account, error="bad-request")
        request = children[0]
        with self._lock:
            payload, error = self._process(session.username, stanza.type, request)
        self._answer(session, stanza, account, payload, *(error or (None,)))

    def _process(self, username, kind, request):
        child = list(request)[0] if len(request) else None
        if child is None:
            return None, ("bad-request",)
        node_id = child.get("node")
        if request.tag == _q(NS_OWNER, "pubsub") and child.tag == _q(NS_OWNER, "configure"):
            node = self._nodes.get((username, node_id))
            if node is None:
                return None, ("item-not-found",)
            return self._configure(node, child.find(_q(NS_DATA, "x")))
        if child.tag == _q(NS_PUBSUB, "items") and kind == "get":
            return self._items(username, node_id, child)
        if child.tag == _q(NS_PUBSUB, "publish") and kind == "set":
            return self._publish(username, node_id, child, request)
        if child.tag == _q(NS_PUBSUB, "retract") and kind == "set":
            node = self._nodes.get((username, node_id))
            ids = [item.get("id") for item in child.findall(_q(NS_PUBSUB, "item"))]
            if node is None or not any(i == item_id for i in ids for item_id, _ in node.items):
                return None, ("item-not-found",)
            node.items = [(i, p) for i, p in node.items if i not in ids]
            return None, None
        return None, ("feature-not-implemented",)

    def _items(self, username, node_id, child):
        node = self._nodes.get((username, node_id))
        if node is None:
            return None, ("item-not-found",)
        wanted = [item.get("id") for item in child.findall(_q(NS_PUBSUB, "item"))]
        items = "".join("<item id=%s>%s</item>" % (_attr(i), p) for i, p in node.items
                        if not wanted or i in wanted)
        return "<pubsub xmlns='%s'><items node=%s>%s</items></pubsub>" % (
            NS_PUBSUB, _attr(node_id), items), None

    def _publish(self, username, node_id, child, request):
        item = child.find(_q(NS_PUBSUB, "item"))
        options = _form(request.find(_q(NS_PUBSUB, "publish-options")))
        node = self._nodes.get((username, node_id))
        if node is None:
            node = _Node()
            if options and not _valid(options):
                return None, ("internal-server-error",)    # Openfire: NumberFormatException
            node.config.update(options or {})
            self._nodes[(username, node_id)] = node
        elif options and any(not _same(node.config.get(k), v) for k, v in options.items()):
            return None, ("conflict", "precondition-not-met")
        item_id = item.get("id") if item is not None else None
        payload = "".join(ET.tostring(e) for e in item) if item is not None else ""
        node.items = [(i, p) for i, p in node.items if i != item_id] + [(item_id, payload)]
        node.items = node.items[-int(node.config["pubsub#max_items"]):]
        return None, None

    def _configure(self, node, form):
        options = _form(form)
        if not _valid(options):
            return None, ("not-acceptable",)
        node.config.update(options)
        node.items = node.items[-int(node.config["pubsub#max_items"]):]
        return None, None

    def _answer(self, session, stanza, account, payload=None, error=None, pubsub_error=None):
        xml = "<iq type='%s' id=%s from=%s>%s%s</iq>" % (
            "error" if error else "result", _attr(stanza.id), _attr(account), payload or "",
            _error_xml(error, pubsub_error) if error else "")
        session.deliver_to_self(model.Stanza(
            "iq", type="error" if error else "result", sender=account, recipient=session.jid,
            id=stanza.id, error=error, xml=xml))


def _form(form):
    if form is not None and form.tag != _q(NS_DATA, "x"):
        form = form.find(_q(NS_DATA, "x"))
    if form is None:
        return {}
    return dict((f.get("var"), f.findtext(_q(NS_DATA, "value")) or "")
                for f in form.findall(_q(NS_DATA, "field")) if f.get("var") != "FORM_TYPE")


def _valid(options):
    return options.get("pubsub#max_items", "1").lstrip("-").isdigit()


def _same(current, wanted):
    truth = {"1": "true", "0": "false"}
    return truth.get(current, current) == truth.get(wanted, wanted)


def _attr(value):
    from xml.sax.saxutils import quoteattr
    return quoteattr(value or "")


def _error_xml(condition, pubsub_error):
    extra = "<%s xmlns='%s'/>" % (pubsub_error, NS_ERRORS) if pubsub_error else ""
    return "<error type='cancel'><%s xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>%s</error>" % (
        condition, extra)

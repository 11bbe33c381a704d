"""A user's own group-chat bookmarks: XEP-0402 (PEP native bookmarks), node
``urn:xmpp:bookmarks:1`` of the user's account, one item per room (item id = the room's JID).

Read and written through the user's own SparkWeb session as any client of the user would, so
the user's other clients (Conversations, Gajim, Converse) see REST changes, and REST sees theirs.

A bookmark's properties map onto the ``<conference/>`` element: ``autojoin`` is its attribute,
``nick`` its child; every other property is a ``<property name='...'>`` of SparkWeb's namespace
inside ``<extensions/>``. What SparkWeb does not know (a stored ``<password/>``, other clients'
extensions) is kept as it is on every change, as XEP-0402 asks; the password is never answered.

Openfire creates a PEP node with ``max_items`` 1 unless told otherwise, and its pubsub does not
know XEP-0402's ``max``: items are published with the publish-options below (a number for
``max_items``), and a node another client configured differently is reconfigured to them once.
"""
from __future__ import absolute_import

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from sparkweb.errors import BadRequest, Conflict, NotFound, ServiceUnavailable
from sparkweb.secure_random import random_id
from sparkweb.xmpp import iq
from sparkweb.xmpp.stanza import IQ_ERROR

NODE = u"urn:xmpp:bookmarks:1"
NS_PUBSUB = u"http://jabber.org/protocol/pubsub"
NS_PUBSUB_OWNER = u"http://jabber.org/protocol/pubsub#owner"
NS_DATA = u"jabber:x:data"
NS_PROPERTY = u"urn:xmpp:sparkweb:bookmark-property:0"
MAX_ITEMS = 1000
OPTIONS = ((u"pubsub#persist_items", u"true"), (u"pubsub#access_model", u"whitelist"),
           (u"pubsub#max_items", unicode(MAX_ITEMS)))
AUTOJOIN, NICK = u"autojoin", u"nick"
XML_NAMESPACE = u"http://www.w3.org/XML/1998/namespace"


def _q(namespace, name):
    return u"{%s}%s" % (namespace, name)


def _xml(element, parent_namespace=None):
    """``element`` as XML text with default namespaces (``<conference xmlns='...'>``), as
    XMPP clients write it; ElementTree itself would write ``ns0:`` prefixes."""
    namespace, _, name = element.tag[1:].partition(u"}") if element.tag.startswith(u"{") \
        else (u"", u"", element.tag)
    attributes = u"" if namespace == parent_namespace else u" xmlns=%s" % quoteattr(namespace)
    for key in sorted(element.attrib):
        shown = key.replace(u"{%s}" % XML_NAMESPACE, u"xml:")
        if shown.startswith(u"{"):
            continue        # a foreign-namespaced attribute: no client of bookmarks uses one
        attributes += u" %s=%s" % (shown, quoteattr(element.attrib[key]))
    children = u"".join(_xml(child, namespace) + escape(child.tail or u"") for child in element)
    return u"<%s%s>%s%s</%s>" % (name, attributes, escape(element.text or u""), children, name)


def _parse(text):
    return ET.fromstring(text.encode("utf-8"))   # Jython's expat reads bytes, not unicode


class OwnBookmark(object):
    """One conference item: the room, its name and properties, and the element they came
    from (kept, so that what SparkWeb does not know survives a change)."""

    def __init__(self, room, conference):
        self.room = room
        self.conference = conference

    @property
    def name(self):
        return unicode(self.conference.get("name") or self.room)

    @property
    def properties(self):
        found = {}
        autojoin = self.conference.get("autojoin")
        if autojoin is not None:
            found[AUTOJOIN] = u"true" if autojoin in ("true", "1") else u"false"
        nick = self.conference.findtext(_q(NODE, "nick"))
        if nick:
            found[NICK] = unicode(nick)
        for element in self.conference.iter(_q(NS_PROPERTY, "property")):
            if element.get("name"):
                found[unicode(element.get("name"))] = unicode(element.text or u"")
        return found

    def change(self, name=None, properties=None):
        if name is not None:
            self.conference.set("name", name)
        if properties is None:
            return
        self.conference.attrib.pop("autojoin", None)
        if AUTOJOIN in properties:
            self.conference.set("autojoin", u"true" if properties[AUTOJOIN] in (
                u"true", u"1") else u"false")
        for nick in self.conference.findall(_q(NODE, "nick")):
            self.conference.remove(nick)
        if properties.get(NICK):
            ET.SubElement(self.conference, _q(NODE, "nick")).text = properties[NICK]
        extensions = self._extensions()
        for element in extensions.findall(_q(NS_PROPERTY, "property")):
            extensions.remove(element)
        for key in sorted(properties):
            if key not in (AUTOJOIN, NICK):
                element = ET.SubElement(extensions, _q(NS_PROPERTY, "property"), name=key)
                element.text = properties[key]
        if len(extensions) == 0:
            self.conference.remove(extensions)

    def _extensions(self):
        found = self.conference.find(_q(NODE, "extensions"))
        if found is None:
            found = ET.SubElement(self.conference, _q(NODE, "extensions"))
        return found


def new_bookmark(room, name, properties):
    bookmark = OwnBookmark(room, ET.Element(_q(NODE, "conference")))
    bookmark.change(name, properties)
    return bookmark


class OwnBookmarks(object):
    """The bookmarks node of one user, through that user's session (``request(iq)``)."""

    def __init__(self, session, account):
        self._session = session
        self._account = account       # the user's bare JID: PEP lives there

    def all(self):
        answer = self._ask(u"get", u"<pubsub xmlns='%s'><items node='%s'/></pubsub>"
                           % (NS_PUBSUB, NODE), missing_ok=True)
        return _items(answer)

    def get(self, room):
        pubsub = ET.Element(_q(NS_PUBSUB, "pubsub"))
        items = ET.SubElement(pubsub, _q(NS_PUBSUB, "items"), node=NODE)
        ET.SubElement(items, _q(NS_PUBSUB, "item"), id=room)
        found = [b for b in _items(self._ask(u"get", _xml(pubsub), missing_ok=True))
                 if b.room == room]
        return found[0] if found else None

    def publish(self, bookmark):
        answer = self._publish(bookmark)
        if answer.type == IQ_ERROR and _precondition_failed(answer):
            self._configure()
            answer = self._publish(bookmark)
        _raise_for(answer)

    def retract(self, room):
        pubsub = ET.Element(_q(NS_PUBSUB, "pubsub"))
        retract = ET.SubElement(pubsub, _q(NS_PUBSUB, "retract"), node=NODE, notify="true")
        ET.SubElement(retract, _q(NS_PUBSUB, "item"), id=room)
        self._ask(u"set", _xml(pubsub))

    def _publish(self, bookmark):
        pubsub = ET.Element(_q(NS_PUBSUB, "pubsub"))
        publish = ET.SubElement(pubsub, _q(NS_PUBSUB, "publish"), node=NODE)
        ET.SubElement(publish, _q(NS_PUBSUB, "item"), id=bookmark.room).append(
            bookmark.conference)
        options = ET.SubElement(pubsub, _q(NS_PUBSUB, "publish-options"))
        options.append(_form(u"http://jabber.org/protocol/pubsub#publish-options"))
        return self._session.request(_request(u"set", self._account, _xml(pubsub)))

    def _configure(self):
        pubsub = ET.Element(_q(NS_PUBSUB_OWNER, "pubsub"))
        ET.SubElement(pubsub, _q(NS_PUBSUB_OWNER, "configure"), node=NODE).append(
            _form(u"http://jabber.org/protocol/pubsub#node_config"))
        self._session.request(_request(u"set", self._account, _xml(pubsub)))

    def _ask(self, kind, payload, missing_ok=False):
        answer = self._session.request(_request(kind, self._account, payload))
        if missing_ok and answer.type == IQ_ERROR and answer.error == "item-not-found":
            return None
        _raise_for(answer)
        return answer


def _request(kind, account, child_xml):
    """An IQ to the user's own account (their PEP service), with a fresh id."""
    return iq.request(kind, account, u"sw-pep-" + random_id(), child_xml)


def _form(form_type):
    form = ET.Element(_q(NS_DATA, "x"), type="submit")
    for var, value in ((u"FORM_TYPE", form_type),) + OPTIONS:
        field = ET.SubElement(form, _q(NS_DATA, "field"), var=var)
        ET.SubElement(field, _q(NS_DATA, "value")).text = value
    return form


def _precondition_failed(answer):
    """XEP-0060 7.1.5: a conflict error with a precondition-not-met condition."""
    return answer.error == "conflict" and "precondition-not-met" in (answer.get_xml() or u"")


def _raise_for(answer):
    if answer.type != IQ_ERROR:
        return
    if answer.error == "item-not-found":
        raise NotFound("No such bookmark.")
    if answer.error in ("not-acceptable", "bad-request", "policy-violation"):
        raise BadRequest("The XMPP server refused the bookmark (%s)." % answer.error)
    if answer.error == "conflict":
        raise Conflict("The XMPP server refused the bookmark (conflict).")
    raise ServiceUnavailable("The XMPP server could not handle the bookmarks (%s)."
                             % (answer.error or "error"))


def _items(answer):
    xml = answer.get_xml() if answer is not None else None
    if not xml:
        return []
    found = []
    for item in _parse(xml).iter(_q(NS_PUBSUB, "item")):
        conference = item.find(_q(NODE, "conference"))
        if item.get("id") and conference is not None:
            found.append(OwnBookmark(unicode(item.get("id")), conference))
    return found

"""Openfire's packets for Message Carbons (XEP-0280) and Message Archive Management
(XEP-0313): the IQs SparkWeb sends, and the forwarded messages and IQ answers it reads.
The neutral side is :mod:`sparkweb.xmpp.forwarding`."""
from __future__ import absolute_import

from org.dom4j import QName
from org.xmpp.packet import IQ, JID

from sparkweb.xmpp import forwarding

FORWARDING_NAMESPACES = (forwarding.NS_CARBONS, forwarding.NS_MAM)


def _text(value):
    return None if value is None else unicode(value)


def _forwarded_message(wrapper, read_element):
    """(delay stamp, Stanza) of the message inside ``wrapper``'s <forwarded/>, or None."""
    forwarded = wrapper.element(QName.get("forwarded", forwarding.NS_FORWARD))
    if forwarded is None:
        return None
    message = None
    for child in forwarded.elements():
        if child.getName() == "message":
            message = child
    if message is None:
        return None
    delay = forwarded.element(QName.get("delay", forwarding.NS_DELAY))
    stamp = _text(delay.attributeValue("stamp")) if delay is not None else None
    return stamp, read_element(message)


def read_forwarded(child, result, read_element):
    """Sets ``result.carbon`` or ``result.archived`` from a <sent/>, <received/> or <result/>
    child; anything else of those namespaces (<private/>, say) is left alone."""
    name = child.getName()
    if name in ("sent", "received") and child.getNamespaceURI() == forwarding.NS_CARBONS:
        inner = _forwarded_message(child, read_element)
        if inner is not None:
            result.carbon = forwarding.Carbon(name, inner[1])
    elif name == "result" and child.getNamespaceURI() == forwarding.NS_MAM:
        inner = _forwarded_message(child, read_element)
        if inner is not None:
            result.archived = forwarding.ArchivedResult(
                _text(child.attributeValue("queryid")), _text(child.attributeValue("id")),
                inner[0], inner[1])


def read_fin(element, result):
    """The <fin/> that ends a MAM query, as ``result.payload`` (the error condition is read
    with every IQ's, in live_xmpp)."""
    fin = element.element(QName.get("fin", forwarding.NS_MAM))
    if fin is not None:
        page = fin.element(QName.get("set", forwarding.NS_RSM))
        count = page.elementText("count") if page is not None else None
        result.payload = forwarding.ArchiveFin(
            complete=fin.attributeValue("complete") in ("true", "1"),
            first=_text(page.elementText("first")) if page is not None else None,
            last=_text(page.elementText("last")) if page is not None else None,
            count=int(count) if count and count.isdigit() else None)


def iq_packet(stanza):
    packet = IQ(IQ.Type.valueOf(stanza.type), stanza.id)
    if stanza.recipient:
        packet.setTo(JID(stanza.recipient))
    payload = stanza.payload
    if isinstance(payload, forwarding.EnableCarbons):
        packet.setChildElement("enable", forwarding.NS_CARBONS)
    elif isinstance(payload, forwarding.ArchiveQuery):
        _archive_query(packet.setChildElement("query", forwarding.NS_MAM), payload)
    else:
        raise ValueError("No IQ payload: %r" % payload)
    return packet


def _archive_query(query, payload):
    query.addAttribute("queryid", payload.query_id)
    form = query.addElement(QName.get("x", forwarding.NS_DATA_FORMS))
    form.addAttribute("type", "submit")
    for name, value in [("FORM_TYPE", forwarding.NS_MAM)] + payload.fields():
        field = form.addElement("field")
        field.addAttribute("var", name)
        if name == "FORM_TYPE":
            field.addAttribute("type", "hidden")
        field.addElement("value").setText(value)
    page = query.addElement(QName.get("set", forwarding.NS_RSM))
    if payload.max is not None:
        page.addElement("max").setText(unicode(payload.max))
    if payload.after is not None:
        page.addElement("after").setText(payload.after)
    if payload.before is not None:
        page.addElement("before").setText(payload.before)

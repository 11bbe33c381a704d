"""Info/query stanzas (RFC 6120 section 8.2.3) as SparkWeb sends and reads them: the request is
XML text built here (the facade turns it into the server's packet), the answer is read with the
JDK's namespace-aware DOM parser (no DTDs, no external entities)."""
from __future__ import absolute_import

from xml.sax.saxutils import quoteattr

from java.io import StringReader
from java.lang import Throwable
from javax.xml import XMLConstants
from javax.xml.parsers import DocumentBuilderFactory
from org.xml.sax import InputSource

from sparkweb.xmpp import stanza as model

NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
NS_DATA_FORMS = "jabber:x:data"
NS_PING = "urn:xmpp:ping"


def request(type, recipient, id, child_xml):
    """An IQ stanza of ``type`` (get/set) carrying ``child_xml`` (trusted XML text: build it
    with :func:`element`)."""
    xml = u"<iq type=%s to=%s id=%s>%s</iq>" % (quoteattr(type), quoteattr(recipient),
                                                 quoteattr(id), child_xml)
    return model.Stanza("iq", type=type, recipient=recipient, id=id, xml=xml)


def answer_to(request_stanza):
    """What a client owes an IQ get or set addressed to it that nothing else handled (RFC 6120
    8.2.3: every request gets an answer): a result to a XEP-0199 ping (Openfire's MUC service
    pings idle occupants and removes those that do not answer), service-unavailable to
    anything else."""
    pinged = False
    if request_stanza.xml is not None:
        try:
            pinged = bool(children(parse(request_stanza.get_xml()), "ping", NS_PING))
        except (Exception, Throwable):       # unparsable: answered as anything else
            pinged = False
    head = u"type=%s to=%s id=%s" % (quoteattr("result" if pinged else "error"),
                                     quoteattr(request_stanza.sender),
                                     quoteattr(request_stanza.id or u""))
    xml = u"<iq %s/>" % head if pinged else (
        u"<iq %s><error type='cancel'><service-unavailable xmlns=%s/></error></iq>" % (
            head, quoteattr(NS_STANZAS)))
    return model.Stanza("iq", type="result" if pinged else "error",
                        recipient=request_stanza.sender, id=request_stanza.id, xml=xml)


def element(name, namespace, **attributes):
    """``<name xmlns='namespace' a='v' .../>`` with attribute values escaped (None left out);
    an attribute named with a trailing underscore loses it (``type_``), one with an inner
    underscore gets a hyphen (``content_type`` -> ``content-type``)."""
    text = u"".join(u" %s=%s" % (key.rstrip("_").replace("_", "-"), quoteattr(value))
                    for key, value in sorted(attributes.items()) if value is not None)
    return u"<%s xmlns=%s%s/>" % (name, quoteattr(namespace), text)


def parse(xml):
    """The DOM element of an IQ's XML text."""
    factory = DocumentBuilderFactory.newInstance()
    factory.setNamespaceAware(True)
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", True)
    factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, True)
    factory.setExpandEntityReferences(False)
    return factory.newDocumentBuilder().parse(InputSource(StringReader(xml))).getDocumentElement()


def children(element, name=None, namespace=None):
    """Child elements of ``element``, optionally only those with ``name`` / ``namespace``."""
    found = []
    nodes = element.getChildNodes()
    for index in range(nodes.getLength()):
        node = nodes.item(index)
        if node.getNodeType() != node.ELEMENT_NODE:
            continue
        if name is not None and node.getLocalName() != name:
            continue
        if namespace is not None and node.getNamespaceURI() != namespace:
            continue
        found.append(node)
    return found


def child(element, name, namespace=None):
    found = children(element, name, namespace)
    return found[0] if found else None


def error_condition(iq_element):
    """The defined condition of an IQ error (``item-not-found``, ...) and the <error> element,
    or (None, None)."""
    error = child(iq_element, "error")
    if error is None:
        return None, None
    for node in children(error, namespace=NS_STANZAS):
        if node.getLocalName() != "text":
            return node.getLocalName(), error
    return "undefined-condition", error

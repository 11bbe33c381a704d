"""IQ answers of the in-memory server: what Openfire answers to the IQs SparkWeb sends.

Service discovery of the domain lists the components added here (none by default, as on an
Openfire without optional plugins); an IQ to an address nothing handles is answered
``service-unavailable``, as Openfire answers one. :class:`MemoryUploadService` answers like
Openfire's HTTP File Upload plugin (disco#info with the XEP-0363 feature and maximum size, slots,
``file-too-large``); tests add it where a server has that plugin.
"""
from __future__ import absolute_import

from xml.sax.saxutils import quoteattr

from java.util import UUID
from java.util.concurrent import ConcurrentHashMap

from sparkweb.xmpp import iq
from sparkweb.xmpp import stanza as model

NS_UPLOAD = "urn:xmpp:http:upload:0"


class MemoryIqHandler(object):
    def __init__(self, domain):
        self.domain = domain
        self.components = ConcurrentHashMap()    # JID -> component with answer(type, element)

    def add_component(self, component):
        self.components.put(component.jid, component)

    def remove_component(self, component):
        self.components.remove(component.jid)

    def answer(self, sender, stanza):
        """The reply Stanza to an IQ get/set ``stanza`` from ``sender`` (a full JID)."""
        request = iq.parse(stanza.get_xml())
        payload = iq.children(request)
        query = payload[0] if payload else None
        if stanza.recipient == self.domain and query is not None and \
                query.getNamespaceURI() == iq.NS_DISCO_ITEMS:
            items = u"".join(u"<item jid=%s/>" % quoteattr(jid) for jid in self.components.keySet())
            return _reply(stanza, sender, u"<query xmlns='%s'>%s</query>" % (iq.NS_DISCO_ITEMS,
                                                                          items))
        component = self.components.get(stanza.recipient)
        reply = component.answer(stanza.type, query) if component and query is not None else None
        if reply is None:
            return _error(stanza, sender, "cancel", "service-unavailable")
        return _reply(stanza, sender, reply[1]) if reply[0] == "result" else \
            _error(stanza, sender, reply[1], reply[2], reply[3] if len(reply) > 3 else u"")


class MemoryUploadService(object):
    """An HTTP upload component like Openfire's plugin, handing out slots under ``base_url``."""

    def __init__(self, domain, max_size, base_url="https://upload.example.test/files"):
        self.jid = u"httpfileupload." + domain
        self.max_size = max_size
        self.base_url = base_url

    def answer(self, type, query):
        namespace = query.getNamespaceURI()
        if namespace == iq.NS_DISCO_INFO:
            return "result", (
                u"<query xmlns='%s'><identity category='store' type='file' name='HTTP File "
                u"Upload'/><feature var='%s'/><x xmlns='jabber:x:data' type='result'><field "
                u"var='FORM_TYPE' type='hidden'><value>%s</value></field><field "
                u"var='max-file-size'><value>%d</value></field></x></query>"
                % (iq.NS_DISCO_INFO, NS_UPLOAD, NS_UPLOAD, self.max_size))
        if namespace == NS_UPLOAD and query.getLocalName() == "request" and type == "get":
            return self._slot(query)
        return None

    def _slot(self, request):
        size = request.getAttribute("size")
        name = request.getAttribute("filename")
        if not size.isdigit() or not name:
            return "error", "modify", "bad-request"
        if int(size) > self.max_size:
            return "error", "modify", "not-acceptable", (
                u"<file-too-large xmlns='%s'><max-file-size>%d</max-file-size></file-too-large>"
                % (NS_UPLOAD, self.max_size))
        url = u"%s/%s/%s" % (self.base_url, UUID.randomUUID(), name)
        return "result", (u"<slot xmlns='%s'><put url=%s><header name='Authorization'>Basic "
                          u"c2xvdA==</header><header name='X-Other'>dropped</header></put>"
                          u"<get url=%s/></slot>" % (NS_UPLOAD, quoteattr(url), quoteattr(url)))


def _reply(request, sender, child_xml):
    xml = u"<iq type='result' id=%s from=%s to=%s>%s</iq>" % (
        quoteattr(request.id), quoteattr(request.recipient), quoteattr(sender), child_xml)
    return model.Stanza("iq", type="result", sender=request.recipient, recipient=sender,
                        id=request.id, xml=xml)


def _error(request, sender, error_type, condition, extra=u""):
    xml = (u"<iq type='error' id=%s from=%s to=%s><error type=%s><%s xmlns='%s'/>%s</error>"
           u"</iq>" % (quoteattr(request.id), quoteattr(request.recipient), quoteattr(sender),
                       quoteattr(error_type), condition, iq.NS_STANZAS, extra))
    return model.Stanza("iq", type="error", sender=request.recipient, recipient=sender,
                        id=request.id, xml=xml)

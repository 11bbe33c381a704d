"""XEP-0045 elements of the stanzas a SparkWeb session exchanges with a room, between
Openfire's packets and the neutral Stanza fields ``muc`` and ``delay`` (see
:class:`sparkweb.xmpp.stanza.Stanza`). Used by ``live_xmpp`` when it converts packets."""
from __future__ import absolute_import

from org.dom4j import QName
from org.xmpp.packet import IQ

from sparkweb.xmpp import stanza as model

NS_DATA_FORMS = "jabber:x:data"


def new_iq(stanza):
    packet = IQ(IQ.Type.valueOf(stanza.type or "get"))
    return packet


def add_muc_elements(stanza, packet):
    """Adds what ``stanza.muc`` asks for to the outgoing ``packet``."""
    muc = stanza.muc
    if not muc:
        return
    if "join" in muc:
        x = packet.addChildElement("x", model.NS_MUC)
        password = muc["join"].get("password")
        if password is not None:
            x.addElement("password").setText(password)
        if muc["join"].get("history") is not None:
            x.addElement("history").addAttribute("maxstanzas", str(muc["join"]["history"]))
    if "invite" in muc:
        invite = packet.addChildElement("x", model.NS_MUC_USER).addElement("invite")
        invite.addAttribute("to", muc["invite"]["to"])
        if muc["invite"].get("reason"):
            invite.addElement("reason").setText(muc["invite"]["reason"])
    if muc.get("owner_submit"):
        query = packet.setChildElement("query", model.NS_MUC_OWNER)
        query.addElement(QName.get("x", NS_DATA_FORMS)).addAttribute("type", "submit")


def _text(value):
    return None if value is None else unicode(value)


def read_extras(element, result):
    """Sets ``result.muc`` (a muc#user element) and ``result.delay``; the error condition is
    read by ``live_xmpp`` for every kind of stanza."""
    for child in element.elements():
        namespace, name = child.getNamespaceURI(), child.getName()
        if namespace == model.NS_MUC_USER and name == "x":
            muc = _muc_user(child)
            if muc is not None:
                result.muc = muc
        elif namespace == model.NS_DELAY and name == "delay":
            result.delay = {"stamp": _text(child.attributeValue("stamp")),
                            "from": _text(child.attributeValue("from"))}


def _muc_user(x):
    codes = [int(status.attributeValue("code")) for status in x.elements("status")
             if (status.attributeValue("code") or "").isdigit()]
    item = x.element("item")
    destroy = x.element("destroy")
    if item is None and destroy is None and not codes:
        return None      # an invitation, read elsewhere
    muc = {"codes": codes}
    if item is not None:
        actor = item.element("actor")
        muc["item"] = {"nick": _text(item.attributeValue("nick")),
                       "jid": _text(item.attributeValue("jid")),
                       "role": _text(item.attributeValue("role")),
                       "affiliation": _text(item.attributeValue("affiliation")),
                       "actor": _text(actor.attributeValue("nick")) if actor is not None
                       else None,
                       "reason": _text(item.elementText("reason"))}
    if destroy is not None:
        muc["destroy"] = {"jid": _text(destroy.attributeValue("jid")),
                          "reason": _text(destroy.elementText("reason"))}
    return muc


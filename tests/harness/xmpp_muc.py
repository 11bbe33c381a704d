"""A slixmpp client in rooms (XEP-0045) for the real-Openfire tests: it creates and configures
rooms as their owner, joins, talks, invites, kicks and bans, and records what rooms send it."""
import asyncio
import queue
import threading

import slixmpp

import time

from harness.xmpp import _accept_test_certificate

ROOM_CONFIG = "http://jabber.org/protocol/muc#roomconfig"


class MucPeer(object):
    def __init__(self, jid, password, address, resource="muc-peer"):
        self.messages = queue.Queue()      # group messages and invitations
        self.presences = queue.Queue()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.jid = "%s/%s" % (jid, resource)
        self._thread = threading.Thread(target=self._run, args=(password, address),
                                        daemon=True)
        self._thread.start()
        assert self._ready.wait(30), "slixmpp MUC peer %s did not sign in" % jid

    def _run(self, password, address):
        asyncio.set_event_loop(self._loop)
        client = self.client = slixmpp.ClientXMPP(self.jid, password)
        for plugin in ("xep_0030", "xep_0004", "xep_0045", "xep_0249"):
            client.register_plugin(plugin)
        _accept_test_certificate(client)
        client.add_event_handler("session_start", self._started)
        # slixmpp's MUC plugins take room messages and invitations out of the "message" event.
        for event in ("message", "groupchat_message", "groupchat_invite",
                      "groupchat_direct_invite"):
            client.add_event_handler(event, self._message)
        client.add_event_handler("groupchat_presence", self._presence)
        client.connect(address[0], address[1])
        self._loop.run_until_complete(client.disconnected)

    def _started(self, _event):
        self.client.send_presence()
        self._ready.set()

    def _message(self, message):
        muc = message.xml.find("{http://jabber.org/protocol/muc#user}x")
        invite = muc.find("{http://jabber.org/protocol/muc#user}invite") if muc is not None \
            else None
        direct = message.xml.find("{jabber:x:conference}x")
        self.messages.put({
            "from": str(message["from"]), "type": message["type"], "body": message["body"],
            "invite_from": invite.get("from") if invite is not None else None,
            "direct_room": direct.get("jid") if direct is not None else None})

    def _presence(self, presence):
        x = presence.xml.find("{http://jabber.org/protocol/muc#user}x")
        item = x.find("{http://jabber.org/protocol/muc#user}item") if x is not None else None
        self.presences.put({
            "from": str(presence["from"]), "type": presence["type"],
            "codes": [s.get("code") for s in x.findall(
                "{http://jabber.org/protocol/muc#user}status")] if x is not None else [],
            "jid": item.get("jid") if item is not None else None})

    def run(self, coroutine, timeout=30):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def call(self, function, *args, **kwargs):
        async def call():
            return function(*args, **kwargs)
        return self.run(call())

    @property
    def muc(self):
        return self.client.plugin["xep_0045"]

    def create_room(self, room, nick, **options):
        """Creates ``room`` and submits its configuration: ``members_only``, ``public``,
        ``password``, ``non_anonymous``, ``moderated`` (booleans or text)."""
        self.join(room, nick)
        form = self.client.plugin["xep_0004"].make_form(ftype="submit")
        form.add_field(var="FORM_TYPE", value=ROOM_CONFIG, ftype="hidden")
        fields = {"muc#roomconfig_membersonly": options.get("members_only", False),
                  "muc#roomconfig_publicroom": options.get("public", True),
                  "muc#roomconfig_moderatedroom": options.get("moderated", False),
                  "muc#roomconfig_persistentroom": True,
                  "muc#roomconfig_whois": "anyone" if options.get("non_anonymous")
                  else "moderators"}
        if options.get("password"):
            fields["muc#roomconfig_passwordprotectedroom"] = True
            fields["muc#roomconfig_roomsecret"] = options["password"]
        for var, value in fields.items():
            form.add_field(var=var, value=value)
        self.run(self.muc.set_room_config(room, form))

    def join(self, room, nick, password=None):
        self.run(self.muc.join_muc_wait(room, nick, password=password, maxstanzas=0,
                                        timeout=20))

    def leave(self, room, nick):
        self.call(self.muc.leave_muc, room, nick)

    def say(self, room, body):
        self.call(self.client.send_message, mto=room, mbody=body, mtype="groupchat")

    def set_affiliation(self, room, jid, affiliation):
        self.run(self.muc.set_affiliation(room, affiliation, jid=jid))

    def kick(self, room, nick, reason=""):
        self.run(self.muc.set_role(room, nick, "none", reason=reason))

    def invite(self, room, jid, reason=""):
        self.call(self.muc.invite, room, jid, reason)

    def invite_directly(self, room, jid, reason=""):
        self.call(self.client.plugin["xep_0249"].send_invitation, jid, room, reason=reason)

    def next_message(self, where=lambda m: True, timeout=15):
        return self._next(self.messages, where, timeout, "message")

    def next_presence(self, where=lambda p: True, timeout=15):
        return self._next(self.presences, where, timeout, "presence")

    def _next(self, items, where, timeout, what):
        deadline, seen = time.time() + timeout, []
        while time.time() < deadline:
            try:
                item = items.get(timeout=max(deadline - time.time(), 0.01))
            except queue.Empty:
                break
            if where(item):
                return item
            seen.append(item)
        raise AssertionError("no matching %s within %ss; saw %r" % (what, timeout, seen))

    def close(self):
        self.call(self.client.disconnect)
        self._thread.join(10)

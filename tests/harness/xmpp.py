"""A real XMPP client (slixmpp) for the tests, run on its own event loop in a thread."""
import asyncio
import queue
import ssl
import threading
import time

import slixmpp
from slixmpp.exceptions import IqError
from slixmpp.xmlstream import ET


def _accept_test_certificate(client):
    # The test server has a self-signed certificate for its own domain.
    client.ssl_context.check_hostname = False
    client.ssl_context.verify_mode = ssl.CERT_NONE


class XmppClient(object):
    """Connects as ``jid`` with ``password`` and reports whether the server accepted it."""

    def __init__(self, jid, password, address):
        self.jid = jid
        self.password = password
        self.address = address
        self.session_started = threading.Event()
        self.failed = threading.Event()
        self.bound_jid = None

    def login(self, timeout=30):
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=self._run, args=(loop,), daemon=True)
        thread.start()
        thread.join(timeout)
        return self.session_started.is_set()

    def _run(self, loop):
        asyncio.set_event_loop(loop)
        client = slixmpp.ClientXMPP(self.jid, self.password)
        _accept_test_certificate(client)

        def started(_event):
            self.bound_jid = str(client.boundjid)
            self.session_started.set()
            client.disconnect()

        def failed(_event):
            self.failed.set()
            client.disconnect()

        client.add_event_handler("session_start", started)
        client.add_event_handler("failed_auth", failed)
        client.connect(self.address[0], self.address[1])
        loop.run_until_complete(client.disconnected)
        loop.close()


class XmppPeer(object):
    """A signed-in client that stays online, records what it receives and sends on request.
    ``priority`` goes into its initial presence; ``carbons`` enables Message Carbons
    (XEP-0280) before that presence, as modern clients do."""

    def __init__(self, jid, password, address, resource="peer", priority=None, carbons=False,
                 plugins=()):
        self._priority = priority
        self._carbons = carbons
        self._plugins = plugins
        self.messages = queue.Queue()
        self.presences = queue.Queue()
        self.sent_carbons = queue.Queue()     # XEP-0280 copies of what other clients sent
        self.disconnected = threading.Event()   # set if the connection drops
        self._loop = asyncio.new_event_loop()
        self._client = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        args=("%s/%s" % (jid, resource), password, address))
        self._thread.start()
        assert self._ready.wait(30), "slixmpp peer %s did not sign in" % jid

    def _run(self, full_jid, password, address):
        asyncio.set_event_loop(self._loop)    # slixmpp binds to the loop current at creation
        client = self._client = slixmpp.ClientXMPP(full_jid, password)
        _accept_test_certificate(client)
        if self._carbons:
            client.register_plugin("xep_0280")
            client.add_event_handler("carbon_sent", lambda m: self.sent_carbons.put(
                {"from": str(m["from"]), "to": str(m["carbon_sent"]["to"]),
                 "sender": str(m["carbon_sent"]["from"]), "body": m["carbon_sent"]["body"]}))
        for plugin in self._plugins:
            client.register_plugin(plugin)
        client.add_event_handler("session_start", self._started)
        client.add_event_handler("message", lambda m: self.messages.put(
            {"from": str(m["from"]), "body": m["body"], "type": m["type"], "time": time.time(),
             "delayed": m.xml.find("{urn:xmpp:delay}delay") is not None}))
        client.add_event_handler("presence", lambda p: self.presences.put(
            {"from": str(p["from"]), "type": p["type"], "show": p["show"],
             "status": p["status"]}))
        client.add_event_handler("disconnected", lambda _event: self.disconnected.set())
        client.connect(address[0], address[1])
        self._loop.run_until_complete(client.disconnected)

    async def _begin(self):
        await self._client.get_roster()
        if self._carbons:
            await self._client.plugin["xep_0280"].enable()
        self._client.send_presence(ppriority=self._priority)
        self._ready.set()

    def _started(self, _event):
        self._loop.create_task(self._begin())

    def _call(self, function, *args, **kwargs):
        self._loop.call_soon_threadsafe(lambda: function(*args, **kwargs))

    def run(self, work, timeout=30):
        """Runs ``work(client)``, a coroutine, on the client's loop; its result."""
        return asyncio.run_coroutine_threadsafe(work(self._client), self._loop).result(timeout)

    def send_message(self, to, body):
        self._call(self._client.send_message, mto=to, mbody=body, mtype="chat")

    def send_raw(self, xml):
        """Sends ``xml`` (a whole stanza) as it is."""
        self._call(self._client.send_raw, xml)

    def send_presence(self, **kwargs):
        self._call(self._client.send_presence, **kwargs)

    def request(self, payload, type="get", timeout=15, to=None):
        """Sends an IQ ``type`` with child ``payload`` (XML text) to ``to``, by default the
        account itself (PEP), and answers the answer as XML text, a result or an error."""
        async def ask():
            iq = self._client.make_iq(itype=type, ito=to)
            iq.append(ET.fromstring(payload))
            try:
                return str(await iq.send(timeout=timeout))
            except IqError as error:
                return str(error.iq)
        return asyncio.run_coroutine_threadsafe(ask(), self._loop).result(timeout + 5)

    def next_message(self, where=lambda m: True, timeout=15):
        return _next(self.messages, where, timeout, "message")

    def next_presence(self, where=lambda p: True, timeout=15):
        return _next(self.presences, where, timeout, "presence")

    def next_sent_carbon(self, where=lambda c: True, timeout=15):
        """The next sent carbon (a message another client of the user sent), as
        {from (the user's bare JID), to, sender (the sending client), body}."""
        return _next(self.sent_carbons, where, timeout, "sent carbon")

    def close(self):
        self._call(self._client.disconnect)
        self._thread.join(10)


def _next(items, where, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            item = items.get(timeout=max(deadline - time.time(), 0.01))
        except queue.Empty:
            break
        if where(item):
            return item
    raise AssertionError("no matching %s within %ss" % (what, timeout))

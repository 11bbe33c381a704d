"""A real XMPP client (slixmpp) for the tests, run on its own event loop in a thread."""
import asyncio
import ssl
import threading

import slixmpp


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
        # The test server has a self-signed certificate for its own domain.
        client.ssl_context.check_hostname = False
        client.ssl_context.verify_mode = ssl.CERT_NONE

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

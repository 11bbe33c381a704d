"""The latency paths of the side-by-side benchmark: for each, who sends and who receives.

Senders and receivers run on one asyncio loop (sidebyside.latency); the receivers are read the
same way on every path (raw bytes scanned for the marker), so no peer is favoured by a cheaper
client.
"""
import contextlib
import json

from sidebyside.latency import RestSender
from sidebyside.rawxmpp import RawXmpp
from sidebyside.sse import SseReader


@contextlib.asynccontextmanager
async def _receiving(receiver, run):
    await receiver.connect()
    receiver.listen(run.arrived)
    try:
        yield
    finally:
        await receiver.close()


@contextlib.asynccontextmanager
async def sparkweb_to_sse(openfire, tokens, run):
    """alice POSTs /chat/message/bob; bob's event stream receives."""
    host, port = "127.0.0.1", openfire.ports["http"]
    async with _receiving(SseReader(host, port, tokens["bob"]), run):
        async with RestSender(openfire.base_url + "/sparkweb/api/rest/chat/message/bob",
                              lambda text: text, {"Authorization": tokens["alice"],
                                                  "Content-Type": "text/plain"}) as send:
            yield send


@contextlib.asynccontextmanager
async def sparkweb_to_xmpp(openfire, tokens, run):
    """alice POSTs /chat/message/carol; carol's XMPP client receives."""
    receiver = _openfire_client(openfire, "carol", "recv")
    async with _receiving(receiver, run):
        async with RestSender(openfire.base_url + "/sparkweb/api/rest/chat/message/carol",
                              lambda text: text, {"Authorization": tokens["alice"],
                                                  "Content-Type": "text/plain"}) as send:
            yield send


@contextlib.asynccontextmanager
async def openfire_native(openfire, tokens, run):
    """dave's XMPP client sends to carol's, through the same Openfire."""
    async with _receiving(_openfire_client(openfire, "carol", "recv"), run):
        sender = await _openfire_client(openfire, "dave", "send").connect()
        try:
            yield lambda text: sender.send_chat("carol@" + openfire.domain, text)
        finally:
            await sender.close()


@contextlib.asynccontextmanager
async def ejabberd_api(ejabberd, run):
    """POST /api/send_message (from alice) to carol's XMPP client on ejabberd."""
    from sidebyside.ejabberd import DOMAIN
    async with _receiving(_ejabberd_client(ejabberd, "carol", "recv"), run):
        async with RestSender(ejabberd.api + "/send_message", lambda text: json.dumps({
                "type": "chat", "from": "alice@" + DOMAIN, "to": "carol@" + DOMAIN,
                "subject": "", "body": text}), {"Content-Type": "application/json"}) as send:
            yield send


@contextlib.asynccontextmanager
async def ejabberd_native(ejabberd, run):
    """dave's XMPP client sends to carol's, through ejabberd."""
    from sidebyside.ejabberd import DOMAIN
    async with _receiving(_ejabberd_client(ejabberd, "carol", "recv"), run):
        sender = await _ejabberd_client(ejabberd, "dave", "send").connect()
        try:
            yield lambda text: sender.send_chat("carol@" + DOMAIN, text)
        finally:
            await sender.close()


def _openfire_client(openfire, user, resource):
    return RawXmpp("127.0.0.1", openfire.ports["c2s"], openfire.domain, user,
                   openfire.users[user], resource)


def _ejabberd_client(ejabberd, user, resource):
    from sidebyside.ejabberd import DOMAIN
    return RawXmpp("127.0.0.1", ejabberd.ports["c2s"], DOMAIN, user, ejabberd.users[user],
                   resource)

"""Sending a prepared push request through the guarded outbound client (sparkweb.outbound):
its address policy (no loopback, private, link-local or metadata addresses unless allow-listed
in ``sparkweb.outbound.allow``), its connect and read timeouts, no redirects followed, at most
a small answer read (push services answer with an empty body or a short error), within
``PUSH_READ_SECONDS`` at most. Connections are kept open between pushes to the same push service
(``keep_alive``, outbound.pool): a new connection and TLS handshake per push cost more than its
encryption."""
from __future__ import absolute_import

from sparkweb.outbound.errors import Refused
from sparkweb.push.sender import PushAnswer, TransportRefused

MAX_ANSWER_BYTES = 4096
# Push services answer at once (they queue the message and say 201). A shorter read timeout than
# the outbound setting's (10 s by default, link previews read whole pages) bounds how long a host
# that accepts and never answers holds a sending thread (S6-13-4).
PUSH_READ_SECONDS = 5


def outbound_transport(client):
    def send(url, headers, body):
        try:
            answer = client.request("POST", url, headers=sorted(headers.items()), body=body,
                                    max_bytes=MAX_ANSWER_BYTES, redirects=0, keep_alive=True,
                                    read_seconds=PUSH_READ_SECONDS)
        except Refused as refused:
            raise TransportRefused(refused.reason)
        return PushAnswer(answer.status, answer.header("retry-after"))
    return send

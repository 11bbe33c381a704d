"""A push service on loopback, as a browser vendor's would behave (RFC 8030, 8291, 8292): it
checks the VAPID JWT of every request (ES256 signature against the key in the Authorization
header, ``aud`` the endpoint's origin, ``exp`` at most 24 h ahead, ``sub`` a mailto: or https:
contact) and decrypts the aes128gcm body with the subscription's private key and auth secret,
as the browser would. Tests read the decrypted notifications, or make an endpoint answer 410,
429 and the like. It speaks HTTP/1.1 with persistent connections and counts them
(``connections``)."""
import base64
import http.server
import json
import os
import queue
import threading
import time
import urllib.parse

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Delivery(object):
    def __init__(self, payload, headers, vapid_key):
        self.payload = payload          # the decrypted bytes
        self.headers = headers
        self.vapid_key = vapid_key      # the server's public key (base64url) that signed it

    def json(self):
        return json.loads(self.payload.decode("utf-8"))


class Subscription(object):
    def __init__(self, service, name):
        self.name = name
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.endpoint = "%s/push/%s" % (service.base_url, name)
        self.deliveries = queue.Queue()
        self.answers = []               # statuses (or (status, headers)) to answer next
        self.hold = None                # a threading.Event: requests wait for it, unanswered
        self.problems = []              # requests the service refused, and why

    def json(self):
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}

    def next(self, timeout=20):
        try:
            return self.deliveries.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no push to %s within %s s (refused: %s)"
                                 % (self.name, timeout, self.problems))

    def none_within(self, seconds):
        try:
            delivery = self.deliveries.get(timeout=seconds)
        except queue.Empty:
            return True
        raise AssertionError("unexpected push to %s: %r" % (self.name, delivery.payload))


def verify_vapid(authorization, endpoint):
    """The server key of a valid ``vapid t=..., k=...`` header; AssertionError otherwise."""
    assert authorization and authorization.startswith("vapid "), authorization
    fields = dict(part.strip().split("=", 1) for part in authorization[6:].split(","))
    token, key = fields["t"], fields["k"].rstrip("=")
    header, claims, signature = token.split(".")
    assert json.loads(unb64url(header)).get("alg") == "ES256", "alg is not ES256"
    raw = unb64url(signature)
    assert len(raw) == 64, "signature is not r||s"
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    public.verify(utils.encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                             int.from_bytes(raw[32:], "big")),
                  ("%s.%s" % (header, claims)).encode(), ec.ECDSA(hashes.SHA256()))
    claims = json.loads(unb64url(claims))
    parts = urllib.parse.urlsplit(endpoint)
    assert claims.get("aud") == "%s://%s" % (parts.scheme, parts.netloc), claims
    assert time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600 + 60, claims
    assert str(claims.get("sub", "")).startswith(("mailto:", "https:")), claims
    return key


class PushService(object):
    """Each instance listens on a port of its own: two are two push-service origins."""

    def __init__(self):
        self.subscriptions = {}
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"   # connections stay open, as real push services keep them

            def setup(self):
                with service._lock:
                    service.connections += 1
                http.server.BaseHTTPRequestHandler.setup(self)

            def do_POST(self):
                service._handle(self)

            def log_message(self, *args):
                pass

        self._lock = threading.Lock()
        self.connections = 0      # TCP connections accepted
        self._server = http.server.ThreadingHTTPServer(("127.0.0.4", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = "http://127.0.0.4:%d" % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.requests = 0
        self.holding = 0          # requests held by a tarpit subscription now, and at most
        self.most_holding = 0

    def subscription(self, name):
        created = Subscription(self, name)
        self.subscriptions[name] = created
        return created

    def _handle(self, request):
        self.requests += 1
        name = request.path.rsplit("/", 1)[-1]
        subscription = self.subscriptions.get(name)
        body = request.rfile.read(int(request.headers.get("Content-Length", 0)))
        if subscription is None:
            return self._answer(request, 404)
        if subscription.hold is not None:   # a tarpit: keep the sender waiting, answer nothing
            with self._lock:
                self.holding += 1
                self.most_holding = max(self.most_holding, self.holding)
            try:
                subscription.hold.wait(120)
            finally:
                with self._lock:
                    self.holding -= 1
            return
        if subscription.answers:
            answer = subscription.answers.pop(0)
            status, headers = answer if isinstance(answer, tuple) else (answer, {})
            return self._answer(request, status, headers)
        try:
            assert request.headers.get("Content-Encoding") == "aes128gcm", "not aes128gcm"
            assert request.headers.get("TTL") is not None, "no TTL"
            assert len(body) <= 4096, "body of %d bytes" % len(body)
            key = verify_vapid(request.headers.get("Authorization"), subscription.endpoint)
            payload = http_ece.decrypt(body, private_key=subscription.private_key,
                                       auth_secret=subscription.auth, version="aes128gcm")
        except Exception as problem:   # noqa: BLE001 - reported to the test, answered 400
            subscription.problems.append(repr(problem))
            return self._answer(request, 400)
        subscription.deliveries.put(Delivery(payload, dict(request.headers), key))
        self._answer(request, 201)

    @staticmethod
    def _answer(request, status, headers=None):
        request.send_response(status)
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.send_header("Content-Length", "0")
        request.end_headers()

    def close(self):
        self._server.shutdown()
        self._server.server_close()

"""What a black-box test needs to know about the server it talks to."""
import httpx

# Settings every target runs with: a short grace period so expiry can be observed, and
# frequent heartbeats, which is how the server notices a closed stream, and passkey challenges
# that expire within a test.
TEST_PROPERTIES = {"sparkweb.session.graceSeconds": "3", "sparkweb.sse.heartbeatSeconds": "1",
                   "sparkweb.cors.origins": "https://allowed.example",
                   "sparkweb.webauthn.challengeSeconds": "5",
                   # Web Push: the local push service (harness/push_service.py) on 127.0.0.4;
                   # 127.0.0.2 is plain-http allowed but not reachable (the refusal tests).
                   # Link previews: the fixture web server's loopback address 127.0.0.3.
                   # Every other loopback address stays refused; answers time out quickly,
                   # and the suite's many previews stay under the per-user limit.
                   "sparkweb.webpush.plainHttpHosts": "127.0.0.4,127.0.0.2",
                   "sparkweb.outbound.allow": "127.0.0.3,127.0.0.4",
                   "sparkweb.outbound.readSeconds": "2",
                   "sparkweb.preview.maxPerMinute": "1000",
                   # The upload tests poll for slots while the upload plugin (re)loads.
                   "sparkweb.upload.maxPerMinute": "1000",
                   # The suite joins rooms and invites far faster than a person (unit tests
                   # check those limits: tests/unit/jtest_room_limits.py).
                   "sparkweb.muc.joinsPerMinute": "1000",
                   "sparkweb.muc.invitationsPerMinute": "1000",
                   # Openfire's Monitoring plugin (where installed) archives one-to-one and room
                   # messages only when told to; the archive tests read them back.
                   "conversation.messageArchiving": "true",
                   "conversation.roomArchiving": "true",
                   "conversation.roomArchivingStanzas": "true"}
ALLOWED_ORIGIN = "https://allowed.example"
GRACE_SECONDS = 3
CHALLENGE_SECONDS = 5


class Target(object):
    """A running SparkWeb: its base URL, its XMPP domain, and test users with their passwords.

    ``xmpp_address`` is (host, port) of the client port where a real XMPP server exists (the
    dev host has none), so tests needing a real XMPP peer can skip elsewhere.
    """

    def __init__(self, name, base_url, domain, users, xmpp_address=None):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.rest_url = self.base_url + "/sparkweb/api/rest"
        self.domain = domain
        self.users = users
        self.xmpp_address = xmpp_address

    def client(self, token=None, **kwargs):
        headers = {"Authorization": token} if token else {}
        return httpx.Client(base_url=self.rest_url, headers=headers, timeout=30, **kwargs)

    def login(self, username):
        with self.client() as client:
            response = client.post("/login/" + username, content=self.users[username])
        assert response.status_code == 200, "login of %s failed: %s %s" % (
            username, response.status_code, response.text)
        return response.json()["token"]

"""The services a request handler may use, built once from a facade by :func:`build_services`.

Handlers reach them as ``request.app``; nothing is global, so tests build their own.
"""
from __future__ import absolute_import

from sparkweb import config
from sparkweb.auth.accounts import Accounts
from sparkweb.auth.credentials import Authenticator
from sparkweb.auth.passkeys.ceremonies import PasskeyService
from sparkweb.auth.passkeys.secret import load_or_create_secret
from sparkweb.auth.ratelimit import LoginLimiter
from sparkweb.auth.revocation import RevocationList
from sparkweb.auth.tokens import TokenService, load_or_create_key, millis_now
from sparkweb.cluster.forwarding import Forwarding
from sparkweb.cluster.membership import Membership
from sparkweb.cluster.rejoin import Duplicates
from sparkweb.cluster.relay import Relays
from sparkweb.cluster.serving import ServingNodes
from sparkweb.events.sse import StreamSet
from sparkweb.outbound.client import OutboundClient
from sparkweb.outbound.previews import LinkPreviews
from sparkweb.per_minute import PerMinute
from sparkweb.push.service import WebPush
from sparkweb.push.transport import outbound_transport
from sparkweb.session.registry import SessionRegistry
from sparkweb.session.room_limits import RoomLimits
from sparkweb.session.upload import UploadServices


class Services(object):
    def __init__(self, openfire, settings, tokens, revocations, authenticator, sessions,
                 streams, passkeys, limiter, accounts, outbound=None, previews=None):
        self.openfire = openfire
        self.outbound = outbound    # the guarded client for every outbound HTTP request
        self.previews = previews    # link previews (outbound.previews), fetched through it
        self.limiter = limiter
        self.accounts = accounts
        self.sessions = sessions
        self.streams = streams
        self.settings = settings
        self.tokens = tokens
        self.revocations = revocations
        self.authenticator = authenticator
        self.passkeys = passkeys
        self.webpush = None   # set by build_services: it observes the sessions
        self.room_limits = None   # set by build_services (session.room_limits)
        self.uploads = None   # set by build_services: where each domain's upload service is
        self.upload_limits = None   # set by build_services: slots per user a minute (per_minute)
        self.forwarding = None   # set by build_services: requests run on the user's home node
        self.relays = None   # set by build_services: event streams fed from the home node
        self.serving = None   # set by build_services: the nodes where SparkWeb serves now

    def rotate_signing_key(self):
        """Signs every user out: tokens signed so far stop working, and open event streams
        (whose token was checked when they opened) are closed, so pages reconnect and are
        asked to sign in again."""
        self.tokens.rotate_key(self.openfire)
        self.streams.close_all()

    def follow_key_rotation(self):
        """Applies a rotation made on another cluster node the same way (housekeeping)."""
        if self.tokens.follow_stored_key(self.openfire):
            self.streams.close_all()
        self.webpush.keys.follow_stored()

    def rotate_vapid_key(self):
        """A new Web Push key pair: every subscription made so far is deleted."""
        self.webpush.rotate_key()


def build_services(openfire, clock=millis_now, push_transport=None):
    """Every service on ``openfire``. The user-event listener of ``accounts`` is not yet
    registered: the plugin's start does that (``accounts.watch()``) and its stop undoes it."""
    settings = config.Settings(openfire)
    tokens = TokenService(load_or_create_key(openfire), openfire.xmpp_domain(),
                          lambda: settings.get(config.TOKEN_LIFETIME), clock,
                          lambda: settings.get(config.TOKEN_MAX_AGE))
    revocations = RevocationList(openfire, lambda: clock() // 1000)
    limiter = LoginLimiter(settings, lambda: clock() / 1000.0)
    accounts = Accounts(openfire, clock)
    outbound = OutboundClient(settings)
    authenticator = Authenticator(openfire, tokens, revocations, limiter, accounts)
    streams = StreamSet(authenticator.still_valid)
    accounts.on_change(streams.close_invalid)       # password changed, account deleted
    revocations.on_revoke(streams.close_invalid)    # logout, DELETE /user
    webpush = WebPush(openfire, settings, push_transport or outbound_transport(outbound), clock)
    services = Services(openfire, settings, tokens, revocations, authenticator,
                        SessionRegistry(openfire, settings, clock,
                                        webpush.automatic.on_session_stanza), streams,
                        PasskeyService(openfire, settings, clock, load_or_create_secret(openfire)),
                        limiter, accounts, outbound, LinkPreviews(settings, outbound, clock))
    services.webpush = webpush
    services.room_limits = RoomLimits(settings, clock)
    services.uploads = UploadServices(clock)
    services.upload_limits = PerMinute(lambda: settings.get(config.UPLOAD_PER_MINUTE), clock,
                                       "upload slots")
    services.serving = ServingNodes(openfire)
    services.forwarding = Forwarding(openfire, settings, services.sessions, services.serving)
    services.relays = Relays(openfire, settings, services.sessions, authenticator.still_valid)
    services.forwarding.relays = services.relays
    services.membership = Membership()
    services.membership.on_left(services.forwarding.node_left)   # their waiters: 503 now
    services.membership.on_left(services.serving.left)           # its entry goes, ours is kept
    services.membership.on_joined(services.serving.joined)       # ours again after the switch
    services.membership.on_joined(revocations.forget_cached)     # the cache may be older
    services.duplicates = Duplicates(openfire, settings, services.sessions, services.forwarding)
    services.membership.on_joined(services.duplicates.joined)    # a healed split
    services.membership.on_left(services.duplicates.node_left)   # yielded to a node now gone
    return services

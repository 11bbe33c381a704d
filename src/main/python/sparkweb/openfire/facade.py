"""The interface between SparkWeb and the XMPP server, in Openfire's vocabulary.

Everything outside this package depends on this interface only, so that it runs unchanged on the
live server and on the in-memory implementation.
"""
from __future__ import absolute_import


class UserRecord(object):
    """An Openfire user as SparkWeb sees it (no password, ever)."""

    def __init__(self, username, name=u"", email=u""):
        self.username = username
        self.name = name or u""
        self.email = email or u""


class RosterEntry(object):
    """One contact of a user's roster. ``subscription``: -1 remove, 0 none, 1 to, 2 from,
    3 both (Openfire's RosterItem.SubType values)."""

    def __init__(self, jid, nickname=u"", groups=(), subscription=0, shared=False):
        self.jid = jid
        self.nickname = nickname or u""
        self.groups = list(groups)
        self.subscription = subscription
        self.shared = shared


class PasskeyRecord(object):
    """One WebAuthn credential (passkey) of a user, as stored in Openfire's database.

    ``credential_id`` is the base64url text of the raw id; ``credential_data`` the
    attested credential data (AAGUID, id, public key) as webauthn4j serialises it, base64url;
    ``user_handle`` the (base64url) WebAuthn user id the account had at registration, so that a
    passkey of a deleted account never opens a new account of the same name; times are epoch
    milliseconds.
    """

    def __init__(self, credential_id, username, user_handle, name, credential_data, sign_count,
                 transports=(), uv_initialized=False, backup_eligible=False, backup_state=False,
                 created_at=0, last_used_at=None):
        self.credential_id = credential_id
        self.username = username
        self.user_handle = user_handle
        self.name = name
        self.credential_data = credential_data
        self.sign_count = sign_count
        self.transports = tuple(transports)
        self.uv_initialized = uv_initialized
        self.backup_eligible = backup_eligible
        self.backup_state = backup_state
        self.created_at = created_at
        self.last_used_at = last_used_at


class PushSubscriptionRecord(object):
    """One browser's Web Push subscription (``PushSubscription.toJSON()``) for a user:
    ``device`` is the name the page gave it (the ``{resource}`` of the API), ``p256dh`` and
    ``auth`` the browser's keys (base64url), times epoch milliseconds."""

    def __init__(self, username, device, endpoint, p256dh, auth, expiration_time=None,
                 created_at=0):
        self.username = username
        self.device = device
        self.endpoint = endpoint
        self.p256dh = p256dh
        self.auth = auth
        self.expiration_time = expiration_time
        self.created_at = created_at


class OpenfireFacade(object):
    """What SparkWeb asks of Openfire. Subclasses implement every method."""

    # --- server -----------------------------------------------------------------------------
    def xmpp_domain(self):
        """The XMPP domain, e.g. ``example.org``."""
        raise NotImplementedError

    def locale(self):
        """The java.util.Locale of the admin console (Openfire's server locale)."""
        raise NotImplementedError

    # --- system properties (JiveGlobals) ----------------------------------------------------
    def get_property(self, name):
        """The value of a system property, decrypted if stored encrypted; None when unset."""
        raise NotImplementedError

    def set_property(self, name, value, encrypt=False):
        raise NotImplementedError

    def delete_property(self, name):
        raise NotImplementedError

    def watch_property(self, name, changed):
        """``changed()`` after the system property ``name`` is set or deleted, here or on any
        node of the cluster (Openfire sends property changes to every node, where they arrive
        as property events); called on Openfire's thread, which it must not hold up. Returns
        the undo."""
        raise NotImplementedError

    def property_names(self):
        """The names of all system properties."""
        raise NotImplementedError

    # --- users --------------------------------------------------------------------------------
    def authenticate(self, username, password):
        """True when the password is right for an existing user."""
        raise NotImplementedError

    def get_user(self, username):
        """The :class:`UserRecord` of ``username``, or None when there is no such user."""
        raise NotImplementedError

    def get_user_properties(self, username):
        """All properties of a user as a dict (secret ones included: callers filter)."""
        raise NotImplementedError

    def set_user_property(self, username, name, value):
        raise NotImplementedError

    def delete_user_property(self, username, name):
        raise NotImplementedError

    def is_locked_out(self, username):
        """True when Openfire's LockOutManager has disabled the account. Compares the name
        exactly, as Openfire does: callers pass the normalised name (auth.usernames)."""
        raise NotImplementedError

    def is_admin(self, username):
        """True when Openfire counts ``username`` as an administrator (``AdminManager``), asked
        on each call so that taking the right away takes effect at once."""
        raise NotImplementedError

    def add_user_listener(self, listener):
        """Tells ``listener`` of account changes made anywhere in the server (admin console,
        other plugins): ``listener.password_changed(username)`` after a password changed,
        ``listener.user_deleting(username)`` before a user is deleted. A failing listener
        never stops the change."""
        raise NotImplementedError

    def remove_user_listener(self, listener):
        raise NotImplementedError

    def watch_vcards(self):
        """Starts following vCard changes, so that :meth:`get_vcard` may remember users
        without one (Openfire asks its database each time); returns the undo."""
        raise NotImplementedError

    # --- passkeys (WebAuthn credentials, in SparkWeb's database table) ---------------------
    def passkeys(self, username):
        """The user's :class:`PasskeyRecord` list, oldest first."""
        raise NotImplementedError

    def find_passkey(self, credential_id):
        """The :class:`PasskeyRecord` with that id, of whichever user; None when unknown."""
        raise NotImplementedError

    def add_passkey(self, record):
        """Stores a new record; False when its credential id is already stored."""
        raise NotImplementedError

    def record_passkey_use(self, username, credential_id, old_count, new_count, backup_state,
                           used_at):
        """Sets the signature counter of a passkey, only if it still is ``old_count`` (so two
        concurrent sign-ins with one assertion cannot both succeed). True when it was set."""
        raise NotImplementedError

    def rename_passkey(self, username, credential_id, name):
        """True when the user had that passkey."""
        raise NotImplementedError

    def delete_passkey(self, username, credential_id):
        """True when the user had that passkey."""
        raise NotImplementedError

    # --- Web Push (issue 13): subscriptions in SparkWeb's table, offline messages -----------
    def push_subscriptions(self, username):
        """The user's :class:`PushSubscriptionRecord` list, oldest first."""
        raise NotImplementedError

    def save_push_subscription(self, record, limit):
        """Stores ``record``, replacing the entry with the same endpoint (an endpoint is one
        browser; another user's entry only when the keys are the same too: that browser
        subscribing for whoever signed in) and the user's entry with the same device name.
        False, and nothing changed, when the user would then have more than ``limit`` entries;
        None, and nothing changed, when the endpoint is another user's with other keys."""
        raise NotImplementedError

    def delete_push_subscription(self, username, device=None, endpoint=None):
        """Deletes the user's entry with that device name or that endpoint; True if there was
        one."""
        raise NotImplementedError

    def delete_all_push_subscriptions(self):
        """Deletes every entry (a new VAPID key ends every subscription); how many there were."""
        raise NotImplementedError

    def add_offline_listener(self, listener):
        """``listener.message_stored(username, stanza)`` for every message the server stores
        offline for a local user (who then has no available session)."""
        raise NotImplementedError

    def remove_offline_listener(self, listener):
        raise NotImplementedError

    def xmpp_session_count(self, username):
        """How many XMPP sessions the user has, SparkWeb's own included, on any cluster node."""
        raise NotImplementedError

    def store_unread(self, username, unread):
        """Stores as offline messages what the user's SparkWeb session received but no page
        showed, once that session has closed: ``unread`` lists (millis received, Stanza).
        Nothing is stored when the user has another session, which may have had them too
        (carbons, equal priorities) and would get them twice. Each gets a XEP-0203 delay;
        the server's offline rules apply (quota, bounce). Offline listeners are not told:
        those messages were pushed when they came. Returns how many were handed over."""
        raise NotImplementedError

    # --- XMPP -------------------------------------------------------------------------------
    def open_session(self, username, resource, listener):
        """An authenticated XMPP client session of ``username`` inside the server, without a
        socket. ``listener.on_stanza(stanza)`` receives every stanza routed to it and
        ``listener.on_closed()`` is called once when the server ends it. Returns an object with
        ``jid`` (full JID text), ``send(stanza)`` and ``close()``."""
        raise NotImplementedError

    def roster(self, username):
        """The user's contacts, as :class:`RosterEntry` objects."""
        raise NotImplementedError

    def can_probe(self, username, target_username):
        """True when the server lets ``username`` see the presence of ``target_username``."""
        raise NotImplementedError

    def current_presence(self, username):
        """The user's most available presence as a Stanza, or None when offline."""
        raise NotImplementedError

    # --- contacts, the user's own account, groups (issue 12; live_contacts, memory_account) ----
    # Changes of the roster are not here: they are roster sets and presence stanzas the user's
    # own session sends (xmpp.roster), so that the server applies its rules and pushes them.
    # Whether the caller is an administrator: is_admin, above.
    def read_only_stores(self):
        """Which of ``users``, ``vcards``, ``groups`` Openfire cannot change (their provider is
        read-only, as with LDAP), so that a request can be refused before it changes anything."""
        raise NotImplementedError

    def account_requirements(self):
        """``{"name": bool, "email": bool}``: whether the user provider requires a name and
        an email (Openfire then refuses to set either empty), so that a request can be refused
        before it writes anything."""
        raise NotImplementedError

    def update_user(self, username, name=None, email=None):
        """Sets the name and/or the email (None: unchanged). Forbidden (errors) when the
        user provider is read-only (LDAP)."""
        raise NotImplementedError

    def change_password(self, username, password):
        """Sets a new password, with Openfire's password-changed event (which ends every token
        of the account, see auth.accounts). Forbidden when the provider is read-only."""
        raise NotImplementedError

    def delete_account(self, username):
        """Deletes the user through UserManager (events, roster, vCard, properties and groups
        go with it) and closes every XMPP session of theirs. Forbidden when read-only."""
        raise NotImplementedError

    def get_vcard(self, username):
        """The user's vCard (vcard-temp) fields as a dict: ``fullName``, ``nickname``,
        ``email``, ``photoType``, ``photo`` (base64 text); absent ones left out."""
        raise NotImplementedError

    def set_vcard(self, username, changes):
        """Sets the vCard fields of ``changes`` (``fullName``, ``nickname``, ``email``, and
        ``photo`` as ``(type, base64)``; None removes the field),
        keeping every other element of the vCard. Forbidden when the provider is read-only."""
        raise NotImplementedError

    def search_users(self, query, fields, start, limit):
        """Users of whom one of ``fields`` (of ``username``, ``name``, ``email``: those the
        user provider can search) contains ``query`` (``*`` a wildcard; empty: everybody), as
        UserRecords sorted by username, ``limit`` of them from index ``start``."""
        raise NotImplementedError

    def user_groups(self, username):
        """Names of the groups ``username`` is a member or an administrator of, sorted."""
        raise NotImplementedError

    def find_group(self, name):
        """The group's name as Openfire spells it, or None when there is no such group."""
        raise NotImplementedError

    def add_group_member(self, group_name, username):
        """Adds the user to an existing group. Forbidden when the group provider is
        read-only; never creates a group."""
        raise NotImplementedError

    def remove_group_member(self, group_name, username):
        """Takes the user out of an existing group (as member and as group administrator)."""
        raise NotImplementedError

    # --- bookmarks (issue 12): the Bookmarks plugin; who may change shared ones: is_admin ----
    def shared_bookmarks(self):
        """The store of Openfire's Bookmarks plugin (a :class:`~sparkweb.openfire.
        shared_bookmarks.SharedBookmarkStore`), or None when that plugin is not installed.
        Asked again on every use: the plugin may come and go while SparkWeb runs."""
        raise NotImplementedError

    # --- multi-user chat (XEP-0045): reading rooms; acting in them goes through a session --
    def muc_service_exists(self, service):
        """True when ``service`` (a subdomain such as ``conference``) is a MUC service."""
        raise NotImplementedError

    def muc_room_summaries(self, service, viewer):
        """A :class:`~sparkweb.openfire.muc_records.RoomSummary` (read for the bare JID
        ``viewer``) of every room the service holds in memory: rooms with occupants, and
        persistent rooms used within the service's ``unload.empty_days``. Dormant rooms stored
        in the database are not loaded for this (Openfire's own listing loads every one)."""
        raise NotImplementedError

    def muc_room(self, service, name, viewer):
        """The :class:`~sparkweb.openfire.muc_records.RoomRecord` of a room, read for the
        bare JID ``viewer``; None when the service or room does not exist."""
        raise NotImplementedError

    def muc_room_history(self, service, name):
        """The room's own recent history (what it replays on join), oldest first, as
        :class:`~sparkweb.openfire.muc_records.RoomMessageRecord`; [] without a room."""
        raise NotImplementedError

    # --- web server -------------------------------------------------------------------------
    def add_web_context(self, context):
        """Serve a Jetty servlet context on the HTTP-bind web server (ports 7070/7443)."""
        raise NotImplementedError

    def remove_web_context(self, context):
        raise NotImplementedError

    def web_urls(self):
        """Base URLs of the HTTP-bind web server, e.g. ``['http://host:7070']``."""
        raise NotImplementedError

    def watch_plugins(self, on_change):
        """Calls ``on_change(plugin_name)`` after any Openfire plugin was loaded or unloaded
        (Openfire's PluginListener); returns the undo."""
        raise NotImplementedError

    # --- cluster (issue 17): forwarding a request to the user's home node -------------------
    def cluster_node(self):
        """This node's name in the cluster (Openfire's node id; a node that is not clustered
        has one too), for the ``SparkWeb-Node`` header."""
        raise NotImplementedError

    def cluster_nodes(self):
        """The cluster's nodes as ``[(node name, host name), ...]``, oldest member first; []
        when this node is not in a started cluster (for the settings page)."""
        raise NotImplementedError

    def home_node(self, username, resource):
        """The node holding the client route of ``username@domain/resource`` when that is
        another node of a started cluster; None when it is this node, nobody, or no cluster."""
        raise NotImplementedError

    def route_holder(self, username, resource):
        """The node named by the client route of ``username@domain/resource``, this node
        included; None when there is none or no cluster (cluster.rejoin)."""
        raise NotImplementedError

    def reassert_route(self, username, resource):
        """Writes this node's client route for that full JID again, under the route lock, if
        this node holds the session and no other node's route names it; whether it did
        (cluster.rejoin)."""
        raise NotImplementedError

    def send_to_node(self, node, envelope, body):
        """Sends two byte strings to SparkWeb on ``node`` (asynchronously, as a cluster task);
        raises when the node is not in the cluster."""
        raise NotImplementedError

    def receive_from_cluster(self, receiver):
        """``receiver(envelope, body)`` is called for what other nodes send here (on a thread
        that must not wait); returns the undo."""
        raise NotImplementedError

    def watch_cluster(self, joined, left):
        """``joined(node)`` when a node joins the cluster, ``left(node)`` when one leaves
        (``node`` None: this node), on Openfire's cluster event thread; returns the undo."""
        raise NotImplementedError

    def shared_cache(self, name):
        """A cache of text keys and values that every node of the cluster sees (Openfire's
        ``CacheFactory`` cache ``name``: local until clustering starts, then clustered, its
        contents dropped at each switch, entries evicted by size), with ``get(key)``,
        ``put(key, value)``, ``remove(key)``, ``clear()`` (on every node) and ``lock(key)``: a
        ``java.util.concurrent.locks.Lock`` held cluster-wide."""
        raise NotImplementedError

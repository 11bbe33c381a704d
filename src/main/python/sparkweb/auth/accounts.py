"""Which account a token stands for: a random id per account that every token carries.

The id lives in a protected user property (config.ACCOUNT_ID_PROPERTY, never shown by the API)
and is created at the account's first sign-in. A token is usable only while its ``account``
claim is the account's id now, so:

- a deleted and re-created account (same name) has a new id: the old account's tokens are
  refused;
- a changed password (Openfire's user event, from the admin console or any plugin) gives the
  account a new id: every token issued before the change is refused;
- a deleted or locked-out account has no usable id at all.

Asking Openfire (user, lock-out, properties) costs a tenth of a REST call, so an answer is
trusted for :data:`ACCOUNT_CHECK_MILLIS`. The events forget it at once on this node; on other
cluster nodes (which share the properties but not the events) a change takes effect within
that time.

A check that read the id just before an event changed it must not cache that old id after the
event has forgotten it: each answer is cached with the events' generation as it stood before
the read, and an answer of an earlier generation is never trusted. One generation for all
users (not one per user) so that there is no per-user state to expire; events are rare, and a
check costs only one look-up more after one.
When a user's answer runs out while many requests of that user are running, one of them looks
up and the others wait for its answer (a lock per stripe of usernames) instead of all asking
Openfire at once: Openfire serialises lock-out look-ups of one user on a lock, with a database
query each for a user who is not locked out, and the side-by-side benchmark's JFR showed 16
requests queueing there every 5 s (5.7 s of waits in 30 s). The waiters then take the fresh
answer; none is served a stale one.
"""
from __future__ import absolute_import

from java.lang import Throwable
from java.util.concurrent import ConcurrentHashMap, CopyOnWriteArrayList
from java.util.concurrent.atomic import AtomicLong
from java.util.concurrent.locks import ReentrantLock

from sparkweb import config
from sparkweb.errors import Unauthorized
from sparkweb.log import log_failure, logger
from sparkweb.secure_random import random_token

LOG = logger("accounts")
ACCOUNT_CHECK_MILLIS = 5000
ID_BYTES = 16
LOOK_UP_STRIPES = 64


class _Checked(object):
    def __init__(self, account_id, until, generation):
        self.account_id = account_id
        self.until = until
        self.generation = generation    # of the events, read before the account id was


class Accounts(object):
    """Account ids of users, by normalised username (auth.usernames). Also the facade's user
    listener (``password_changed``, ``user_deleting``): see :meth:`watch`."""

    def __init__(self, openfire, clock):
        self._openfire = openfire
        self._clock = clock
        self._checked = ConcurrentHashMap()   # username -> _Checked, usable accounts only
        self._writing = ReentrantLock()       # read-modify-write of the id property
        self._generation = AtomicLong()       # bumped by every event, after its change
        self._after_change = CopyOnWriteArrayList()   # callables(username), see on_change
        self._look_ups = [ReentrantLock() for _ in range(LOOK_UP_STRIPES)]   # one look-up at a time per stripe

    def current_id(self, username):
        """The id that tokens of ``username`` must carry now; None when the account does not
        exist, is locked out, or never signed in."""
        checked = self._trusted(username)
        if checked is not None:
            return checked.account_id
        stripe = self._look_ups[hash(username) % LOOK_UP_STRIPES]
        stripe.lock()
        try:
            checked = self._trusted(username)     # looked up while this thread waited
            if checked is not None:
                return checked.account_id
            return self._refresh(username)
        finally:
            stripe.unlock()

    def _trusted(self, username):
        checked = self._checked.get(username)
        if checked is not None and checked.until > self._clock() and \
                checked.generation == self._generation.get():
            return checked
        return None

    def _refresh(self, username):
        now = self._clock()
        generation = self._generation.get()     # before the read: see the module docstring
        account_id = self._look_up(username)
        if account_id is None:
            self._checked.remove(username)
        else:
            self._checked.put(username,
                              _Checked(account_id, now + ACCOUNT_CHECK_MILLIS, generation))
        return account_id

    def id_for_sign_in(self, username):
        """The id for a token issued to ``username`` now, created at the first sign-in."""
        self._writing.lock()
        try:
            if self._openfire.get_user(username) is None:   # deleted during the sign-in
                raise Unauthorized()
            account_id = self._stored(username)
            if not account_id:
                account_id = random_token(ID_BYTES)
                self._openfire.set_user_property(username, config.ACCOUNT_ID_PROPERTY,
                                                 account_id)
            return account_id
        finally:
            self._writing.unlock()

    def watch(self):
        """Listens to Openfire's user events; returns the undo (for plugin stop)."""
        self._openfire.add_user_listener(self)
        return lambda: self._openfire.remove_user_listener(self)

    def password_changed(self, username):
        """Every token issued to the account so far stops working."""
        self._writing.lock()
        try:
            if self._openfire.get_user(username) is not None:
                self._openfire.set_user_property(username, config.ACCOUNT_ID_PROPERTY,
                                                 random_token(ID_BYTES))
        finally:
            self._writing.unlock()
        self._forget(username)

    def user_deleting(self, username):
        """The account's tokens stop working now, and a new account of that name will be
        another account (Openfire deletes the properties too; this does not rely on it)."""
        self._openfire.delete_user_property(username, config.ACCOUNT_ID_PROPERTY)
        self._forget(username)

    def on_change(self, callback):
        """``callback(username)`` runs after every change that may end tokens of the account
        (a password change, a deletion): the event streams close theirs (events.sse)."""
        self._after_change.add(callback)

    def _forget(self, username):
        """After an event's change: answers read before it, cached or about to be, are stale."""
        self._generation.incrementAndGet()
        self._checked.remove(username)
        run_callbacks(self._after_change, username)


    def _look_up(self, username):
        if self._openfire.get_user(username) is None or self._openfire.is_locked_out(username):
            return None
        return self._stored(username)

    def _stored(self, username):
        return self._openfire.get_user_properties(username).get(config.ACCOUNT_ID_PROPERTY)


def run_callbacks(callbacks, username):
    """Runs every callback; a failing one is logged and does not stop the others, nor the
    Openfire event or the request that caused the change."""
    for callback in list(callbacks):
        try:
            callback(username)
        except (Exception, Throwable):
            log_failure(LOG, "Acting on a change of the account %s failed" % username)

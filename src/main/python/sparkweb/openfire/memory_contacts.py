"""Rosters, presence subscriptions and groups of the in-memory Openfire, as Openfire keeps them.

What Openfire refuses, this refuses the same way: a roster set with more than one item is a
bad-request, removing a contact that is not there item-not-found, changing or removing a
contact of a shared group (or naming a shared group in an item) not-acceptable. Subscriptions
are the RFC 6121 section 3 handshake between rosters (pending out as ``ask``, pending in kept
aside and offered again at the next sign-in); a roster set never changes a subscription.

One lock guards the state; what has to be delivered (results, pushes, presence) is collected
under it and handed out after it is released, as everywhere else in SparkWeb.
"""
from __future__ import absolute_import

from java.util.concurrent.locks import ReentrantLock

from sparkweb.xmpp import stanza as model
from sparkweb.xmpp.roster import Item

# What an accepted or cancelled subscription does to a subscription state.
_ADD_TO = {"none": "to", "from": "both"}
_ADD_FROM = {"none": "from", "to": "both"}
_DROP_TO = {"to": "none", "both": "from"}
_DROP_FROM = {"from": "none", "both": "to"}


class MemoryGroup(object):
    def __init__(self, name, shared_as=None):
        self.name = name
        self.members = set()
        self.shared_as = shared_as     # display name in members' rosters; None: not shared


class MemoryContacts(object):
    """``deliver(username, stanza, available_only)`` hands a stanza to the user's sessions;
    ``share_presence(username, contact)`` sends the user's current presence to the contact's."""

    def __init__(self, domain, deliver, share_presence):
        self.domain = domain
        self._deliver = deliver
        self._share_presence = share_presence
        self._lock = ReentrantLock()
        self._items = {}        # username -> {bare jid: Item}
        self._pending_in = {}   # username -> set of bare jids that asked to subscribe
        self.groups = {}        # name -> MemoryGroup

    # --- reading --------------------------------------------------------------------------
    def _locked(self, read):
        self._lock.lock()
        try:
            return read()
        finally:
            self._lock.unlock()

    def items(self, username):
        """[(Item, shared)]: own items, then shared-group contacts not among them."""
        return self._locked(lambda: self._all_items(username))

    def _all_items(self, username):
        own = self._items.get(username, {})
        result = [(item, False) for item in own.values()]
        for jid, groups in sorted(self._shared_contacts(username).items()):
            if jid in own:
                result = [(entry, shared or entry.jid == jid) for entry, shared in result]
            else:
                result.append((Item(jid, jid.split(u"@")[0].capitalize(), groups, "both"), True))
        return result

    def _shared_contacts(self, username):
        contacts = {}
        for group in self.groups.values():
            if group.shared_as is not None and username in group.members:
                for member in group.members - set([username]):
                    contacts.setdefault(self._jid(member), []).append(group.shared_as)
        return contacts

    def _jid(self, username):
        return u"%s@%s" % (username, self.domain)

    def _user_of(self, jid):
        node, at, domain = jid.partition(u"@")
        return node if at and domain == self.domain else None

    def receivers(self, username):
        """Users who get ``username``'s presence (subscription from or both)."""
        return self._locked(lambda: self._with(username, ("from", "both")))

    def sources(self, username):
        """Users whose presence ``username`` gets (subscription to or both)."""
        return self._locked(lambda: self._with(username, ("to", "both")))

    def _with(self, username, states):
        names = [self._user_of(item.jid) for item, _ in self._all_items(username)
                 if item.subscription in states]
        return [name for name in names if name]

    # --- set-up ---------------------------------------------------------------------------
    def add_mutual(self, first, second):
        def add():
            for one, other in ((first, second), (second, first)):
                self._items.setdefault(one, {})[self._jid(other)] = Item(
                    self._jid(other), other.capitalize(), (), "both")
        self._locked(add)

    def forget_user(self, username):
        def forget():
            self._items.pop(username, None)
            self._pending_in.pop(username, None)
            for group in self.groups.values():
                group.members.discard(username)
        self._locked(forget)

    # --- roster sets (IQ) -----------------------------------------------------------------
    def roster_set(self, username, iq):
        """The answer to a roster set (result or error IQ), after the pushes it causes."""
        later = []
        self._lock.lock()
        try:
            error = self._apply_set(username, iq.roster or [], later)
        finally:
            self._lock.unlock()
        for action in later:
            action()
        return model.Stanza("iq", type="error" if error else "result", id=iq.id, error=error)

    def _apply_set(self, username, items, later):
        if len(items) != 1:
            return u"bad-request"
        item = items[0]
        own = self._items.setdefault(username, {})
        shared = self._shared_contacts(username)
        if item.subscription == "remove":
            if item.jid in shared:
                return u"not-acceptable"
            existing = own.pop(item.jid, None)
            if existing is None:
                return u"item-not-found"
            self._push(username, Item(item.jid, subscription="remove"), later)
            self._cancel_both_ways(username, item.jid, existing.subscription, later)
            return None
        shared_names = set(g.shared_as for g in self.groups.values() if g.shared_as)
        if item.jid in shared or shared_names.intersection(item.groups):
            return u"not-acceptable"
        if len(set(item.groups)) != len(item.groups) or u"" in item.groups:
            return u"bad-request"
        existing = own.get(item.jid)
        own[item.jid] = Item(item.jid, item.name, item.groups,
                             existing.subscription if existing else "none",
                             existing.ask if existing else None)
        self._push(username, own[item.jid], later)
        return None

    def _push(self, username, item, later):
        push = model.Stanza("iq", type="set", id=u"push-%s" % id(item),
                            recipient=self._jid(username), roster=[Item(
                                item.jid, item.name, item.groups, item.subscription, item.ask)])
        later.append(lambda: self._deliver(username, push, False))

    def _cancel_both_ways(self, username, jid, subscription, later):
        """A removed contact: what Openfire's Roster.deleteRosterItem sends on its behalf."""
        if subscription in ("to", "both"):
            self._unsubscribe(username, jid, later)
        if subscription in ("from", "both"):
            self._unsubscribed(username, jid, later)

    # --- presence subscriptions -------------------------------------------------------------
    def subscription(self, username, stanza):
        """An outbound subscribe, subscribed, unsubscribe or unsubscribed from ``username``."""
        jid = stanza.recipient.split(u"/")[0]
        later = []
        self._lock.lock()
        try:
            {"subscribe": self._subscribe, "subscribed": self._subscribed,
             "unsubscribe": self._unsubscribe,
             "unsubscribed": self._unsubscribed}[stanza.type](username, jid, later)
        finally:
            self._lock.unlock()
        for action in later:
            action()

    def _own_item(self, username, jid):
        own = self._items.setdefault(username, {})
        if jid not in own:
            own[jid] = Item(jid, None, (), "none")
        return own[jid]

    def _send(self, sender, contact, kind, later):
        stanza = model.Stanza("presence", type=kind, sender=self._jid(sender), recipient=contact)
        later.append(lambda: self._deliver(contact, stanza, True))

    def _subscribe(self, username, jid, later):
        item = self._own_item(username, jid)
        contact = self._user_of(jid)
        if item.subscription in ("to", "both") or contact is None:
            return
        item.ask = "subscribe"
        self._push(username, item, later)
        theirs = self._items.get(contact, {}).get(self._jid(username))
        if theirs is not None and theirs.subscription in ("from", "both"):
            self._subscribed(contact, self._jid(username), later)   # approved before
            return
        self._pending_in.setdefault(contact, set()).add(self._jid(username))
        self._send(username, contact, "subscribe", later)

    def _subscribed(self, username, jid, later):
        contact = self._user_of(jid)
        asked = self._pending_in.get(username, set())
        if contact is None or jid not in asked:
            return        # no request to answer: Openfire has no pre-approval either
        asked.discard(jid)
        mine = self._own_item(username, jid)
        mine.subscription = _ADD_FROM.get(mine.subscription, mine.subscription)
        self._push(username, mine, later)
        theirs = self._own_item(contact, self._jid(username))
        theirs.subscription = _ADD_TO.get(theirs.subscription, theirs.subscription)
        theirs.ask = None
        self._push(contact, theirs, later)
        self._send(username, contact, "subscribed", later)
        later.append(lambda: self._share_presence(username, contact))

    def _unsubscribe(self, username, jid, later):
        contact = self._user_of(jid)
        mine = self._items.get(username, {}).get(jid)
        if mine is not None:
            mine.subscription, mine.ask = _DROP_TO.get(mine.subscription, mine.subscription), None
            self._push(username, mine, later)
        if contact is None:
            return
        theirs = self._items.get(contact, {}).get(self._jid(username))
        self._pending_in.get(contact, set()).discard(self._jid(username))
        if theirs is not None:
            theirs.subscription = _DROP_FROM.get(theirs.subscription, theirs.subscription)
            self._push(contact, theirs, later)
        self._send(username, contact, "unsubscribe", later)

    def _unsubscribed(self, username, jid, later):
        contact = self._user_of(jid)
        self._pending_in.get(username, set()).discard(jid)
        mine = self._items.get(username, {}).get(jid)
        if mine is not None:
            mine.subscription = _DROP_FROM.get(mine.subscription, mine.subscription)
            self._push(username, mine, later)
        if contact is None:
            return
        theirs = self._items.get(contact, {}).get(self._jid(username))
        if theirs is not None:
            theirs.subscription = _DROP_TO.get(theirs.subscription, theirs.subscription)
            theirs.ask = None
            self._push(contact, theirs, later)
        self._send(username, contact, "unsubscribed", later)

    def pending_requests(self, username):
        """Subscription requests still unanswered, offered again at each initial presence."""
        return self._locked(lambda: [
            model.Stanza("presence", type="subscribe", sender=jid, recipient=self._jid(username))
            for jid in sorted(self._pending_in.get(username, set()))])

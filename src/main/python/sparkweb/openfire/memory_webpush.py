"""The in-memory side of the Web Push facade calls (MemoryOpenfire mixes it in): the
subscription table with the same keys and replacement rules as ofSparkWebPushSub, and the router's
offline-message events."""
from __future__ import absolute_import

import copy
import threading

from sparkweb.openfire.push_table import same_browser


class MemoryWebPush(object):
    def _init_webpush(self):
        self._push_rows = {}                 # endpoint -> PushSubscriptionRecord
        self._push_lock = threading.Lock()   # save is a read-check-replace, as a transaction

    def push_subscriptions(self, username):
        with self._push_lock:
            mine = [copy.copy(row) for row in self._push_rows.values() if row.username == username]
        return sorted(mine, key=lambda row: row.created_at)

    def save_push_subscription(self, record, limit):
        with self._push_lock:
            holder = self._push_rows.get(record.endpoint)
            if holder is not None and holder.username != record.username and \
                    not same_browser(holder, record):
                return None
            kept = [row for row in self._push_rows.values()
                    if row.username == record.username and row.endpoint != record.endpoint and
                    row.device != record.device]
            if len(kept) >= limit:
                return False
            for endpoint, row in list(self._push_rows.items()):
                if endpoint == record.endpoint or (row.username == record.username and
                                                   row.device == record.device):
                    del self._push_rows[endpoint]
            self._push_rows[record.endpoint] = copy.copy(record)
            return True

    def delete_push_subscription(self, username, device=None, endpoint=None):
        with self._push_lock:
            for key, row in list(self._push_rows.items()):
                if row.username == username and (row.device == device if device is not None
                                                 else key == endpoint):
                    del self._push_rows[key]
                    return True
        return False

    def delete_all_push_subscriptions(self):
        with self._push_lock:
            count = len(self._push_rows)
            self._push_rows.clear()
        return count

    def add_offline_listener(self, listener):
        self.xmpp.offline_listeners.add(listener)

    def remove_offline_listener(self, listener):
        self.xmpp.offline_listeners.remove(listener)

    def xmpp_session_count(self, username):
        return len(self.xmpp.sessions_of(username))

    def store_unread(self, username, unread):
        return self.xmpp.store_unread(username, unread)

"""Removal of passkey records that no longer belong to anyone.

A record keeps the WebAuthn user id its account had at registration; once that account is
deleted and a new one of the same name created, the record is stale: the ceremonies ignore it
(a passkey of a deleted account never opens a new one) and report it here. Deleting it is left
to housekeeping, so that no request (least of all an unauthenticated sign-in start) writes to
the database on the way.
"""
from __future__ import absolute_import

from java.util.concurrent import ConcurrentHashMap

from sparkweb.log import logger

LOG = logger("passkeys")
# Stale records waiting for the next sweep; more are noticed again on a later read.
MAX_NOTICED = 10000


class StalePasskeys(object):
    def __init__(self, openfire):
        self._openfire = openfire
        self._noticed = ConcurrentHashMap()   # credential id -> username

    def notice(self, record):
        if self._noticed.size() < MAX_NOTICED:
            self._noticed.putIfAbsent(record.credential_id, record.username)

    def sweep(self):
        """Deletes the records noticed so far (housekeeping)."""
        for entry in list(self._noticed.entrySet()):
            credential_id, username = entry.getKey(), entry.getValue()
            self._noticed.remove(credential_id, username)
            if self._openfire.delete_passkey(username, credential_id):
                LOG.debug("Removed a passkey left by a deleted account of %s." % username)

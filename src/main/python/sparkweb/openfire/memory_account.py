"""The account, directory, vCard and group calls of the in-memory Openfire (see facade.py),
behaving as Openfire's default providers do: read-only providers refuse changes (an LDAP
installation), a user search matches username, name and email with ``*`` as the wildcard,
and groups are never created on the way.

A mix-in of MemoryOpenfire: it uses that class's users, properties, XMPP router and listeners.
"""
from __future__ import absolute_import

import fnmatch

from java.util.concurrent import ConcurrentHashMap

from sparkweb.errors import Forbidden
from sparkweb.openfire.memory_contacts import MemoryGroup

READ_ONLY_USERS = "The user provider is read-only: accounts are managed elsewhere (LDAP?)."
READ_ONLY_GROUPS = "The group provider is read-only: groups are managed elsewhere (LDAP?)."
READ_ONLY_VCARDS = "The vCard provider is read-only."


class MemoryAccountMixin(object):
    users_read_only = False       # tests set these to behave like an LDAP installation
    groups_read_only = False
    vcards_read_only = False

    def _vcards(self):
        if not hasattr(self, "_vcard_store"):
            self._vcard_store = ConcurrentHashMap()   # username -> dict of fields
        return self._vcard_store

    # --- set-up: what an administrator does ---------------------------------------------------
    def add_group(self, name, members=(), shared_as=None):
        group = MemoryGroup(name, shared_as)
        group.members.update(members)
        self.xmpp.contacts.groups[name] = group
        return group

    # --- the facade -----------------------------------------------------------------------------
    def read_only_stores(self):
        return set(name for name, read_only in (
            ("users", self.users_read_only), ("vcards", self.vcards_read_only),
            ("groups", self.groups_read_only)) if read_only)

    def update_user(self, username, name=None, email=None):
        if self.users_read_only:
            raise Forbidden(READ_ONLY_USERS)
        record = self._user(username).record
        if name is not None:
            record.name = name
        if email is not None:
            record.email = email

    def change_password(self, username, password):
        if self.users_read_only:
            raise Forbidden(READ_ONLY_USERS)
        self.set_password(username, password)

    def delete_account(self, username):
        if self.users_read_only:
            raise Forbidden(READ_ONLY_USERS)
        self.delete_user(username)
        self._vcards().remove(username)

    def get_vcard(self, username):
        return dict(self._vcards().get(username) or {})

    def set_vcard(self, username, changes):
        if self.vcards_read_only:
            raise Forbidden(READ_ONLY_VCARDS)
        fields = self.get_vcard(username)
        for name, value in changes.items():
            if name == "photo":      # (type, base64) as two fields, as live_contacts reads them
                fields.pop("photoType", None)
                if value is not None:
                    fields["photoType"] = value[0]
                    value = value[1]
            if value is None:
                fields.pop(name, None)
            else:
                fields[name] = value
        self._vcards().put(username, fields)

    def search_users(self, query, fields, start, limit):
        literal = (query or u"").lower().replace(u"[", u"[[]").replace(u"?", u"[?]")
        pattern = u"*%s*" % literal        # as DefaultUserProvider's LIKE %query%
        found = [user.record for user in self._users.values()
                 if any(fnmatch.fnmatchcase((getattr(user.record, field) or u"").lower(),
                                            pattern) for field in fields)]
        found.sort(key=lambda record: record.username)
        return found[start:start + limit]

    def user_groups(self, username):
        return sorted(group.name for group in list(self.xmpp.contacts.groups.values())
                      if username in group.members)

    def find_group(self, name):
        group = self.xmpp.contacts.groups.get(name)
        return group.name if group is not None else None

    def add_group_member(self, group_name, username):
        if self.groups_read_only:
            raise Forbidden(READ_ONLY_GROUPS)
        self.xmpp.contacts.groups[group_name].members.add(username)

    def remove_group_member(self, group_name, username):
        if self.groups_read_only:
            raise Forbidden(READ_ONLY_GROUPS)
        self.xmpp.contacts.groups[group_name].members.discard(username)

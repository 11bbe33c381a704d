"""The account, directory, vCard and group calls of the live facade (see facade.py), on
Openfire's UserManager, VCardManager, GroupManager and AdminManager.

Read-only providers (LDAP, say) throw UnsupportedOperationException from the change itself;
they are asked first, so that a refusal is a clear 403 before anything is touched.
A mix-in of LiveOpenfire (which provides ``_user``).
"""
from __future__ import absolute_import

from java.lang import IllegalArgumentException, UnsupportedOperationException
from java.util import HashSet
from org.dom4j import DocumentHelper, QName
from org.jivesoftware.openfire import SessionManager, XMPPServer
from org.jivesoftware.openfire.group import GroupManager, GroupNotFoundException
from org.jivesoftware.openfire.user import UserManager
from org.jivesoftware.openfire.vcard import VCardManager

from sparkweb import images
from sparkweb.errors import BadRequest, Forbidden, NotFound
from sparkweb.openfire.facade import UserRecord
from sparkweb.openfire.live_xmpp import calls_with_openfire_loader

READ_ONLY_USERS = "The user provider is read-only: accounts are managed elsewhere (LDAP?)."
READ_ONLY_GROUPS = "The group provider is read-only: groups are managed elsewhere (LDAP?)."
READ_ONLY_VCARDS = "The vCard provider is read-only."
NS_VCARD = "vcard-temp"
# The facade's search field names and the user provider's.
SEARCH_FIELDS = {"username": "Username", "name": "Name", "email": "Email"}
# Matches of one field a directory search loads at most (see search_users).
MAX_SEARCH_MATCHES = 1000


def roster_groups(item):
    """A roster item's groups as the user's clients see them: its own, then the display names
    of the shared groups it comes from (Group.SHARED_ROSTER_DISPLAY_NAME_PROPERTY_KEY)."""
    names = list(item.getGroups())
    for group in item.getSharedGroups():
        shown = group.getProperties().get("sharedRoster.displayName")
        if shown and shown not in names:
            names.append(shown)
    return names


def _require_writable_users():
    if UserManager.getUserProvider().isReadOnly():
        raise Forbidden(READ_ONLY_USERS)


def _record(user):
    return UserRecord(user.getUsername(), user.getName(), user.getEmail())


@calls_with_openfire_loader
class LiveContactsMixin(object):
    def read_only_stores(self):
        return set(name for name, read_only in (
            ("users", UserManager.getUserProvider().isReadOnly()),
            ("vcards", VCardManager.getProvider().isReadOnly()),
            ("groups", GroupManager.getInstance().isReadOnly())) if read_only)

    def account_requirements(self):
        provider = UserManager.getUserProvider()
        return {"name": bool(provider.isNameRequired()), "email": bool(provider.isEmailRequired())}

    def update_user(self, username, name=None, email=None):
        _require_writable_users()
        user = self._user(username)
        try:
            if name is not None:
                user.setName(name)
            if email is not None:
                user.setEmail(email)
        except IllegalArgumentException:   # the provider requires a name or an email
            raise BadRequest("This server requires a name and an email address.")

    def change_password(self, username, password):
        """User.setPassword logs and swallows a store that fails (api.account checks that the
        new password works); a provider that cannot store passwords throws."""
        _require_writable_users()
        try:
            self._user(username).setPassword(password)
        except UnsupportedOperationException:
            raise Forbidden(READ_ONLY_USERS)

    def delete_account(self, username):
        _require_writable_users()
        user = self._user(username)
        for session in list(SessionManager.getInstance().getSessions(username)):
            session.close()      # as the admin console does when it deletes a user
        UserManager.getInstance().deleteUser(user)

    # --- vCard ------------------------------------------------------------------------------
    def get_vcard(self, username):
        element = self._missing_vcards.lookup(username, VCardManager.getInstance().getVCard)
        return _vcard_fields(element) if element is not None else {}

    def set_vcard(self, username, changes):
        manager = VCardManager.getInstance()
        if VCardManager.getProvider().isReadOnly():
            raise Forbidden(READ_ONLY_VCARDS)
        stored = manager.getVCard(username)
        element = stored.createCopy() if stored is not None else \
            DocumentHelper.createElement(QName.get("vCard", NS_VCARD))
        for name, value in changes.items():
            _VCARD_WRITERS[name](element, value)
        images.ready()   # Openfire's avatar conversion decodes the photo on this thread
        manager.setVCard(username, element)

    # --- directory --------------------------------------------------------------------------
    def search_users(self, query, fields, start, limit):
        """Pages in username order. Without a query, UserManager.getUsers pages itself (the
        default provider sorts by username). A search cannot be paged by the provider: the
        default one's findUsers has no ORDER BY, so its first N rows are not the first N
        names. The matches of each field are therefore loaded (at most MAX_SEARCH_MATCHES:
        the directory finds people, it does not list a large server) and sorted here."""
        manager = UserManager.getInstance()
        if not query:
            return [_record(user) for user in manager.getUsers(start, limit)]
        try:
            searchable = set(manager.getSearchFields())
        except UnsupportedOperationException:   # a provider that cannot search
            searchable = set()
        found = {}
        for field in fields:
            if SEARCH_FIELDS[field] in searchable:   # AND over fields in the provider: one each
                only = HashSet()
                only.add(SEARCH_FIELDS[field])
                for user in manager.findUsers(only, query, 0, MAX_SEARCH_MATCHES):
                    found[user.getUsername()] = user
        return [_record(found[name]) for name in sorted(found)][start:start + limit]

    # --- groups -----------------------------------------------------------------------------
    def user_groups(self, username):
        jid = XMPPServer.getInstance().createJID(username, None)
        return sorted(group.getName() for group in GroupManager.getInstance().getGroups(jid))

    def find_group(self, name):
        try:
            return GroupManager.getInstance().getGroup(name).getName()
        except GroupNotFoundException:
            return None

    def add_group_member(self, group_name, username):
        group = self._writable_group(group_name)
        group.getMembers().add(XMPPServer.getInstance().createJID(username, None))

    def remove_group_member(self, group_name, username):
        group = self._writable_group(group_name)
        jid = XMPPServer.getInstance().createJID(username, None)
        group.getMembers().remove(jid)
        group.getAdmins().remove(jid)

    @staticmethod
    def _writable_group(group_name):
        manager = GroupManager.getInstance()
        if manager.isReadOnly():
            raise Forbidden(READ_ONLY_GROUPS)
        try:
            return manager.getGroup(group_name)
        except GroupNotFoundException:   # deleted by an administrator since the caller looked
            raise NotFound("There is no group %s." % group_name)


# --- vCard fields (XEP-0054) as the facade names them ------------------------------------------
def _child_text(element, *path):
    for name in path:
        element = element.element(name) if element is not None else None
    return element.getTextTrim() if element is not None else None


def _vcard_fields(element):
    fields = {"fullName": _child_text(element, "FN"),
              "nickname": _child_text(element, "NICKNAME"),
              "email": _child_text(element, "EMAIL", "USERID"),
              "photoType": _child_text(element, "PHOTO", "TYPE"),
              "photo": _child_text(element, "PHOTO", "BINVAL")}
    return dict((name, value) for name, value in fields.items() if value)


def _replace(element, name):
    """Removes every ``name`` child and adds a fresh one (None for a removal)."""
    for old in list(element.elements(name)):
        element.remove(old)
    return element.addElement(name)


def _writer(name):
    def write(element, value):
        child = _replace(element, name)
        if value is None:
            element.remove(child)
        else:
            child.setText(value)
    return write


def _write_email(element, value):
    child = _replace(element, "EMAIL")
    if value is None:
        element.remove(child)
    else:
        child.addElement("INTERNET")
        child.addElement("PREF")
        child.addElement("USERID").setText(value)


def _write_photo(element, value):
    """``value``: (type, base64) or None."""
    child = _replace(element, "PHOTO")
    if value is None:
        element.remove(child)
    else:
        child.addElement("TYPE").setText(value[0])
        child.addElement("BINVAL").setText(value[1])


_VCARD_WRITERS = {"fullName": _writer("FN"), "nickname": _writer("NICKNAME"),
                  "email": _write_email, "photo": _write_photo}

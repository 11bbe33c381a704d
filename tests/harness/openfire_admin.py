"""What an administrator does in Openfire's admin console, done by tests: SparkWeb settings,
users and groups (shared ones too), through the console's own forms (the same in Openfire 5.0
and 5.1: login with a csrf cookie echoed by the form, every form checking the same way)."""
import re

import httpx

SETTINGS_PAGE = "/plugins/sparkweb/sparkweb-settings.jsp"


class AdminConsole(object):
    def __init__(self, server, password):
        # No connection reuse: Jetty closes a connection after refusing a POST whose body it
        # did not read, and a reused one then fails on the client side.
        # A cluster node listens on its own loopback address (127.0.0.2 for the second).
        address = getattr(server, "address", "127.0.0.1")
        self.client = httpx.Client(base_url="http://%s:%d" % (address, server.ports["admin"]),
                                   timeout=30, limits=httpx.Limits(max_keepalive_connections=0))
        self.client.get("/login.jsp")
        answer = self.client.post("/login.jsp", data={
            "login": "true", "csrf": self._csrf(), "username": "admin", "password": password,
            "url": "/index.jsp"})
        assert answer.status_code == 302, "admin console login refused: %s" % answer.status_code

    def _csrf(self):
        values = [cookie.value for cookie in self.client.cookies.jar if cookie.name == "csrf"]
        return values[-1] if values else None

    def _form(self, page, fields):
        """Opens ``page`` (which sets a fresh csrf cookie), then posts ``fields`` to it."""
        for cookie in list(self.client.cookies.jar):   # one csrf cookie at a time
            if cookie.name == "csrf":
                self.client.cookies.delete("csrf", domain=cookie.domain, path=cookie.path)
        self.client.get(page)
        form = dict(fields)
        form["csrf"] = self._csrf()
        return self.client.post(page, data=form)

    def close(self):
        self.client.close()

    # --- SparkWeb's settings page ------------------------------------------------------------
    def save_settings(self, **settings):
        """``save_settings(**{"sparkweb.account.deleteEnabled": "true"})``; "" restores the
        default."""
        page = self.client.get(SETTINGS_PAGE).text
        form = dict(settings, action="save",
                    csrf=re.search(r'name="csrf" value="([^"]+)"', page).group(1))
        answer = self.client.post(SETTINGS_PAGE, data=form)
        assert answer.status_code in (302, 303), "settings not saved: %s %s" % (
            answer.status_code, answer.text[-500:])

    def rotate_signing_key(self):
        """The settings page's "rotate the signing key" (every token signed so far stops
        working)."""
        page = self.client.get(SETTINGS_PAGE).text
        answer = self.client.post(SETTINGS_PAGE, data={
            "action": "rotate", "confirm": "yes",
            "csrf": re.search(r'name="csrf" value="([^"]+)"', page).group(1)})
        assert answer.status_code in (302, 303), "key not rotated: %s %s" % (
            answer.status_code, answer.text[-500:])

    # --- users and groups ------------------------------------------------------------------
    def create_user(self, username, password, name=""):
        answer = self._form("/user-create.jsp", {
            "create": "Create User", "username": username, "name": name or username,
            "email": "%s@example.test" % username, "password": password,
            "passwordConfirm": password})
        assert answer.status_code == 302, "user %s not created: %s" % (username, answer.status_code)

    def delete_user(self, username):
        self._form("/user-delete.jsp?username=%s" % username,
                   {"delete": "Delete User", "username": username})

    def create_group(self, name, members=(), shared_as=None):
        answer = self._form("/group-create.jsp", {"create": "Create Group", "name": name,
                                                  "description": "test group"})
        assert answer.status_code == 302, "group %s not created: %s" % (name, answer.status_code)
        for member in members:
            answer = self._form("/group-edit.jsp?group=%s" % name,
                                {"group": name, "addMember": "Add", "username": member})
            assert answer.status_code == 302, "%s not added to %s" % (member, name)
        if shared_as:
            answer = self._form("/group-edit.jsp?group=%s" % name, {
                "group": name, "updateContactListSettings": "Save", "enableRosterGroups": "true",
                "groupDisplayName": shared_as, "showGroup": "onlyGroup"})
            assert answer.status_code == 302, "group %s not shared" % name

    def delete_group(self, name):
        self._form("/group-delete.jsp?group=%s" % name, {"delete": "Delete Group", "group": name})

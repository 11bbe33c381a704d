"""User Management (spec tag user_management): the signed-in user's groups, under
``/user/groups``.

``GET /user/groups``: ``{"groupnames": [...]}``, the groups the caller is in.
``POST``/``DELETE /user/groups`` with ``{"groupnames": [...]}``, and ``POST``/``DELETE
/user/groups/{groupName}``: join or leave existing groups. Only groups an administrator opened
for self-service (``sparkweb.groups.selfService``) unless the caller is an Openfire
administrator. A group that does not exist is 404, a closed one 403; no group is ever created
(the earlier plugin created any group asked for, and joined its caller to it). The batch form
is all-or-nothing: every name is checked before the first change, and a change that fails
undoes those made before it.
"""
from __future__ import absolute_import

from java.lang import Throwable

from sparkweb import config
from sparkweb.api import fields
from sparkweb.api.schemas import ref
from sparkweb.errors import Forbidden, NotFound
from sparkweb.http.routing import NO_BODY, USER, Body, Route
from sparkweb.log import log_failure, logger

LOG = logger("groups")
READ_ONLY = "Groups on this server are managed elsewhere (a read-only group provider such as " \
            "LDAP): ask an administrator."
MAX_NAME = 255


def get_groups(request):
    return {"groupnames": request.app.openfire.user_groups(request.user)}


def _checked(request, names):
    """Openfire's spelling of each named group; 404 for any missing, 403 for any closed."""
    openfire = request.app.openfire
    found = [openfire.find_group(name) for name in names]
    missing = [name for name, group in zip(names, found) if group is None]
    if missing:
        raise NotFound("No such group: %s." % ", ".join(sorted(missing))[:300])
    if "groups" in openfire.read_only_stores():
        raise Forbidden(READ_ONLY)
    if not openfire.is_admin(request.user):
        open_groups = request.app.settings.get(config.GROUPS_SELF_SERVICE)
        closed = [group for group in found if group not in open_groups]
        if closed:
            raise Forbidden("Only an administrator can add or remove members of: %s."
                            % ", ".join(sorted(closed))[:300])
    return found


def _change_all(request, names, joining):
    openfire = request.app.openfire
    groups = _checked(request, names)
    def add(group):
        openfire.add_group_member(group, request.user)

    def remove(group):
        openfire.remove_group_member(group, request.user)
    change, undo = (add, remove) if joining else (remove, add)
    before = set(openfire.user_groups(request.user))
    done = []
    try:
        for group in groups:
            change(group)
            done.append(group)
    except (Exception, Throwable):
        for group in reversed(done):
            if (group in before) != joining:      # only what this request changed
                _quietly(undo, group, request.user)
        raise
    return get_groups(request)


def _quietly(undo, group, username):
    try:
        undo(group)
    except (Exception, Throwable):
        log_failure(LOG, "Undoing a group change of %s in %s failed" % (username, group))


def _body_names(request):
    body = request.json_object('JSON {"groupnames": ["...", ...]}')
    names = fields.names(body, "groupnames", max_length=MAX_NAME)
    return names


def _path_name(request):
    return fields.names({"groupName": [request.params["groupName"]]}, "groupName",
                        max_length=MAX_NAME)


def join_groups(request):
    return _change_all(request, _body_names(request), joining=True)


def leave_groups(request):
    return _change_all(request, _body_names(request), joining=False)


def join_group(request):
    return _change_all(request, _path_name(request), joining=True)


def leave_group(request):
    return _change_all(request, _path_name(request), joining=False)


_NAMES_BODY = Body("The groups, by name.", json=ref("UserGroupsEntity"))
_GROUP = {"groupName": "The group's name, as Openfire spells it."}
_CLOSED = "A group is not open for self-service (sparkweb.groups.selfService) and the caller " \
          "is not an administrator, or groups are managed elsewhere (read-only provider)."

ROUTES = [
    Route("GET", "/user/groups", get_groups,
          summary="Get user's groups", tag="user_management", access=USER,
          answers={200: ref("UserGroupsEntity")}),
    Route("POST", "/user/groups", join_groups,
          summary="Add user to groups", tag="user_management", access=USER, body=_NAMES_BODY,
          answers={200: ref("UserGroupsEntity"), 400: "'groupnames' is not a list of names.",
                   403: _CLOSED, 404: "One or more groups could not be found."}),
    Route("DELETE", "/user/groups", leave_groups,
          summary="Delete user from groups", tag="user_management", access=USER,
          body=_NAMES_BODY,
          answers={200: ref("UserGroupsEntity"), 400: "'groupnames' is not a list of names.",
                   403: _CLOSED, 404: "One or more groups could not be found."}),
    Route("POST", "/user/groups/{groupName}", join_group,
          summary="Add user to a group", tag="user_management", access=USER, params=_GROUP,
          body=NO_BODY,
          answers={200: ref("UserGroupsEntity"), 403: _CLOSED,
                   404: "The group could not be found."}),
    Route("DELETE", "/user/groups/{groupName}", leave_group,
          summary="Delete user from group", tag="user_management", access=USER, params=_GROUP,
          answers={200: ref("UserGroupsEntity"), 403: _CLOSED,
                   404: "The group could not be found."}),
]

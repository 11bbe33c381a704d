"""Pages written for the earlier plugin keep working: the spec's paths and methods, the raw
token in ``Authorization``, the raw password as the login body (as ``fetch`` sends a string:
text/plain), and the spec's model field names in the answers."""
import httpx
import pytest

REST = "/sparkweb/api/rest"

# The spec's operations (sparkweb-api.txt, "All endpoints") as method and path, and the
# earlier plugin's password login.
SPEC_OPERATIONS = [
    ("POST", "/bookmark"), ("DELETE", "/bookmark/{bookmarkID}"),
    ("DELETE", "/bookmark/{bookmarkID}/{name}"), ("GET", "/bookmark/{bookmarkID}"),
    ("GET", "/bookmarks"), ("PUT", "/bookmark/{bookmarkID}"),
    ("POST", "/bookmark/{bookmarkID}/{name}"),
    ("GET", "/chat/messages"), ("POST", "/chat/chatstate/{state}/{to}"),
    ("POST", "/chat/message/{to}"),
    ("GET", "/preview/{quality}/{url}"), ("GET", "/upload/{fileName}/{fileSize}"),
    ("POST", "/roster"), ("DELETE", "/roster/{jid}"), ("GET", "/roster"), ("PUT", "/roster/{jid}"),
    ("GET", "/config/global"), ("GET", "/config/properties"), ("POST", "/config/properties"),
    ("GET", "/groupchat/messages"), ("GET", "/groupchat/room/{roomName}/chathistory"),
    ("GET", "/groupchat/room/{roomName}"), ("GET", "/groupchat/room/{roomName}/occupants"),
    ("GET", "/groupchat/room/{roomName}/participants"), ("GET", "/groupchat/rooms"),
    ("POST", "/groupchat/room/{roomName}/{invitedJid}"), ("PUT", "/groupchat/room/{roomName}"),
    ("DELETE", "/groupchat/room/{roomName}"), ("POST", "/groupchat/room/{roomName}"),
    ("GET", "/presence/roster"), ("POST", "/presence"), ("GET", "/presence/{target}"),
    ("POST", "/user/groups/{groupName}"), ("POST", "/user/groups"), ("DELETE", "/user"),
    ("DELETE", "/user/groups/{groupName}"), ("DELETE", "/user/groups"), ("GET", "/user"),
    ("GET", "/user/groups"), ("GET", "/users"), ("PUT", "/user"),
    ("POST", "/webauthn/authenticate/finish/{username}"),
    ("POST", "/webauthn/authenticate/start/{username}"),
    ("POST", "/webauthn/register/finish/{username}"),
    ("POST", "/webauthn/register/start/{username}"),
    ("GET", "/webpush/subscribers"), ("GET", "/webpush/vapidkey"),
    ("POST", "/webpush/publish/{target}"), ("POST", "/webpush/subscribe/{resource}"),
    ("POST", "/login/{username}"),
]
# Every area of the spec has landed: each of its operations must stay described (a renamed or
# dropped one, e.g. GET /webpush/subscribers, failed nothing while only the first release's
# operations were listed here: findings-10 10-2).
BUILT = set(SPEC_OPERATIONS)

# Methods SparkWeb adds on a spec path, each because an issue asked for it: unsubscribing a
# browser (issue 13). Anything else on a spec path must be the spec's method.
ADDED_ON_SPEC_PATHS = {("DELETE", "/webpush/subscribe/{resource}")}


@pytest.fixture(scope="module")
def described(target):
    document = httpx.get(target.base_url + "/sparkweb/api/openapi.json", timeout=30).json()
    return set((method.upper(), path) for path, item in document["paths"].items()
               for method in item)


def test_the_specs_operations_keep_their_paths_and_methods(target, described):
    missing = sorted(BUILT - described)
    assert not missing, "operations of the spec no longer described: %s" % missing
    with httpx.Client(base_url=target.rest_url, timeout=30) as client:
        for method, path in sorted(described & set(SPEC_OPERATIONS)):
            response = client.request(method, path.replace("{", "x").replace("}", ""))
            assert response.status_code != 405 and response.json() != {
                "error": "not_found", "message": "Not Found."}, \
                "%s %s is described but not served: %s" % (method, path, response.text)


def test_every_described_operation_on_a_spec_path_uses_the_specs_method(described):
    spec_paths = set(path for _, path in SPEC_OPERATIONS)
    for method, path in described:
        if path in spec_paths:
            assert (method, path) in SPEC_OPERATIONS or (method, path) in ADDED_ON_SPEC_PATHS, \
                "%s %s: the spec has other methods on this path" % (method, path)


def test_raw_password_body_and_raw_token_header(target):
    with httpx.Client(base_url=target.rest_url, timeout=30) as client:
        signed_in = client.post("/login/alice", content=target.users["alice"],
                                headers={"Content-Type": "text/plain;charset=UTF-8"})
        assert signed_in.status_code == 200, signed_in.text
        token = signed_in.json()["token"]
        user = client.get("/user", headers={"Authorization": token})
    assert user.status_code == 200, "raw token refused: %s" % user.text
    assert user.json()["username"] == "alice", user.json()


def test_answers_use_the_specs_field_names(target, alice):
    user = alice.get("/user").json()
    assert {"username", "name", "email", "properties"} <= set(user), user   # UserEntity
    alice.post("/config/properties", json=[{"name": "compat.theme", "value": "dark"}])
    properties = alice.get("/config/properties").json()["properties"]
    assert {"key": "compat.theme", "value": "dark"} in properties, properties   # UserProperty
    for entry in alice.get("/config/global").json()["properties"]:
        assert set(entry) == {"key", "value"}, entry
    roster = alice.get("/presence/roster").json()["roster"]
    assert roster, "alice's roster is empty (the test users are contacts)"
    for item in roster:                                                      # RosterItemEntity
        assert {"jid", "nickname", "groups", "subscriptionType"} <= set(item), item
    presence = alice.get("/presence/bob")
    assert presence.status_code == 200, presence.text
    assert {"username", "show", "status"} <= set(presence.json()), presence.json()  # Presence

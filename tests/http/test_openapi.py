"""GET /sparkweb/api/openapi.json: a valid OpenAPI 3.1 document made from the route tables, with
every operation the server has, and nothing it does not have."""
import httpx
import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

REST = "/sparkweb/api/rest"


@pytest.fixture(scope="module")
def described(target):
    response = httpx.get(target.base_url + "/sparkweb/api/openapi.json", timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    return response.json()


def operations(document):
    return [(method.upper(), path) for path, item in document["paths"].items()
            for method in item]


def test_the_description_validates_as_openapi_3_1(described):
    assert described["openapi"].startswith("3.1."), described["openapi"]
    try:
        validate(described)
    except OpenAPIValidationError as error:
        pytest.fail("openapi.json is not valid OpenAPI 3.1: %s" % error)


def test_servers_are_this_origin_then_the_web_addresses(target, described):
    urls = [server["url"] for server in described["servers"]]
    assert urls[0] == REST, "the page's own origin should come first: %s" % urls
    assert len(urls) >= 2 and all(url.endswith(REST) for url in urls), urls


def test_both_token_forms_are_security_schemes(described):
    schemes = described["components"]["securitySchemes"]
    assert schemes["bearer"]["scheme"] == "bearer", schemes
    assert (schemes["token"]["in"], schemes["token"]["name"]) == ("header", "Authorization"), \
        schemes
    login = described["paths"]["/login/{username}"]["post"]
    assert login["security"] == [], "the login needs no token: %s" % login["security"]
    user = described["paths"]["/user"]["get"]
    assert {"bearer": []} in user["security"] and {"token": []} in user["security"], user


def test_the_raw_password_login_body_is_described(described):
    content = described["paths"]["/login/{username}"]["post"]["requestBody"]["content"]
    assert set(content) == {"application/json", "text/plain"}, sorted(content)


def test_tags_are_the_specs(described):
    names = [tag["name"] for tag in described["tags"]]
    for tag in ("chat", "group_chat", "presence", "collaboration", "user_management",
                "contact_management", "web_authentication", "web_push",
                "global_and_user_properties", "bookmarks"):
        assert tag in names, "spec tag %s missing: %s" % (tag, names)
    used = set(tag for item in described["paths"].values() for op in item.values()
               for tag in op["tags"])
    assert used <= set(names), "operations with unknown tags: %s" % (used - set(names))


def test_every_described_operation_is_served_and_errors_share_one_shape(target, described):
    """Each operation reaches a handler: Jersey's own 404 ("Not Found.") or 405 means the
    document lists a route the server does not have."""
    missing = []
    with httpx.Client(base_url=target.base_url + REST, timeout=30) as client:
        for method, path in operations(described):
            concrete = path.replace("{", "x").replace("}", "")
            response = client.request(method, concrete)
            body = response.json()
            if response.status_code == 405 or body == {"error": "not_found",
                                                       "message": "Not Found."}:
                missing.append("%s %s" % (method, path))
            if response.status_code >= 400:
                assert set(body) == {"error", "message"}, "%s %s: %s" % (method, path, body)
    assert not missing, "described but not served: %s" % missing


def test_models_carry_the_specs_field_names(described):
    schemas = described["components"]["schemas"]
    expectations = {"UserEntity": {"username", "name", "email", "password", "properties"},
                    "RosterItemEntity": {"jid", "nickname", "groups", "subscriptionType"},
                    "UserProperty": {"key", "value"}, "MUCRoomEntity": {"roomName", "naturalName"},
                    "PresenceEntity": {"username", "show", "status"}}
    for model, fields in expectations.items():
        assert fields <= set(schemas[model]["properties"]), "%s lacks %s" % (
            model, fields - set(schemas[model]["properties"]))


SERVLETS_OUTSIDE_JERSEY = ["/sparkweb/api/openapi.json", "/sparkweb/api/docs/swagger-ui.css",
                           "/sparkweb/sse"]


@pytest.mark.parametrize("path", SERVLETS_OUTSIDE_JERSEY + [REST + "/user"])
def test_trace_is_refused_and_echoes_nothing(target, path):
    """HttpServlet's TRACE answers 200 with the request echoed, credentials included; the
    servlets outside Jersey took it (attack S10-A-1, review of 5bb64a0)."""
    answer = httpx.request("TRACE", target.base_url + path, timeout=30,
                           headers={"Authorization": "Bearer not-to-be-echoed",
                                    "Cookie": "session=not-to-be-echoed"})
    assert answer.status_code == 405, (answer.status_code, answer.text[:300])
    assert "not-to-be-echoed" not in answer.text, answer.text[:300]
    assert "message/http" not in answer.headers.get("content-type", ""), answer.headers
    assert answer.json()["error"] == "method_not_allowed", answer.text[:300]
    assert "TRACE" not in answer.headers["Allow"] and "GET" in answer.headers["Allow"], \
        answer.headers["Allow"]


@pytest.mark.parametrize("path", SERVLETS_OUTSIDE_JERSEY)
def test_options_lists_only_what_is_served(target, path):
    answer = httpx.request("OPTIONS", target.base_url + path, timeout=30)
    assert answer.status_code in (200, 204), (answer.status_code, answer.text[:300])
    allowed = set(answer.headers["Allow"].replace(" ", "").split(","))
    assert "GET" in allowed and not allowed & {"TRACE", "POST", "PUT", "DELETE"}, allowed

"""The OpenAPI document made from the route tables: one operation per route, with the route's
declaration and the pipeline's own refusals, and nothing that is not in the route tables."""
from __future__ import absolute_import

from sparkweb.api import MODELS, ROUTES
from sparkweb.http import openapi
from sparkweb.http.routing import ADMIN, PUBLIC, USER, Body, Route

REST = "/sparkweb/api/rest"


def _handler(request):
    return {}


def _document(routes=ROUTES):
    return openapi.document(routes, MODELS, REST, [u"http://host:7070", u"https://host:7443"],
                            u"9.9.9")


def test_every_route_is_one_operation_and_nothing_else_is():
    paths = _document()["paths"]
    described = sorted((method.upper(), path) for path, item in paths.items() for method in item)
    served = sorted((route.method, route.path) for route in ROUTES)
    assert described == served, "described %s, served %s" % (described, served)


def test_servers_are_this_origin_then_openfires_addresses():
    urls = [server["url"] for server in _document()["servers"]]
    assert urls == [REST, u"http://host:7070" + REST, u"https://host:7443" + REST], urls


def test_access_becomes_security_and_the_pipelines_refusals():
    routes = [Route("GET", "/open", _handler, access=PUBLIC, answers={200: {}}),
              Route("GET", "/mine", _handler, access=USER, answers={200: {}}),
              Route("POST", "/all", _handler, access=ADMIN, body=Body("x", text="raw"),
                    answers={200: {}, 409: "Taken."})]
    paths = _document(routes)["paths"]
    public, user, admin = paths["/open"]["get"], paths["/mine"]["get"], paths["/all"]["post"]
    assert public["security"] == [] and "401" not in public["responses"], public
    assert {"bearer": []} in user["security"] and "401" in user["responses"], user
    assert set(["401", "403", "409", "413", "200"]) <= set(admin["responses"]), \
        sorted(admin["responses"])
    assert admin["requestBody"]["content"].keys() == ["text/plain"], admin["requestBody"]
    error = admin["responses"]["409"]
    assert error["description"] == "Taken." and \
        error["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, \
        error


def test_operation_ids_are_unique_even_for_handlers_of_one_name():
    routes = [Route("GET", "/a", _handler, access=USER, answers={200: {}}),
              Route("GET", "/b", _handler, access=USER, answers={200: {}})]
    paths = _document(routes)["paths"]
    ids = [paths["/a"]["get"]["operationId"], paths["/b"]["get"]["operationId"]]
    assert len(set(ids)) == 2, ids


def test_path_parameters_are_required_and_query_parameters_are_not():
    post_presence = _document()["paths"]["/presence"]["post"]
    chat_state = _document()["paths"]["/chat/chatstate/{state}/{to}"]["post"]
    assert all(p["in"] == "query" and not p["required"] for p in post_presence["parameters"]), \
        post_presence["parameters"]
    assert all(p["in"] == "path" and p["required"] for p in chat_state["parameters"]), \
        chat_state["parameters"]


def _resolved(document, schema):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def _open_success_objects(document, tags):
    """(operation, status) of 2xx JSON answers that are objects with properties but require
    none of them: such a schema accepts {} and tells clients nothing is guaranteed."""
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not set(operation.get("tags", ())) & set(tags):
                continue
            for status, answer in operation["responses"].items():
                content = answer.get("content", {}).get("application/json")
                if not status.startswith("2") or content is None:
                    continue
                schema = _resolved(document, content["schema"])
                if schema.get("type") == "object" and schema.get("properties") and \
                        not schema.get("required"):
                    found.append("%s %s %s" % (method.upper(), path, status))
    return found


def test_web_push_and_collaboration_answers_say_which_fields_they_always_have():
    """findings-10 10-6: seven Web Push answers required nothing, so a schema check passed {}."""
    found = _open_success_objects(_document(), ("web_push", "collaboration"))
    assert found == [], "answers requiring no field: %s" % found


def test_the_device_name_limit_and_its_400_are_in_the_contract():
    """findings-10 10-4: DELETE /webpush/subscribe answered an undocumented 400 for names over
    100 characters, and the parameter's schema did not state the limit."""
    item = _document()["paths"]["/webpush/subscribe/{resource}"]
    for method in ("post", "delete"):
        schema = [p for p in item[method]["parameters"] if p["name"] == "resource"][0]["schema"]
        assert schema.get("maxLength") == 100 and schema.get("minLength") == 1, \
            "%s resource schema %r" % (method, schema)
        assert "400" in item[method]["responses"], "%s has no 400" % method

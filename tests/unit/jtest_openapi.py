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


# Objects in success answers that may honestly be answered without any of their fields.
OPEN_OBJECTS = {
    "VCard": "a vCard has only the fields the user filled in (GET /user, PUT /user)",
    "JID": "only in the spec's fromJID/toJID of ArchivedMessage, which SparkWeb never fills",
}


def _open_objects(document, schema, where, found, seen=()):
    """Walks ``schema`` (through $ref, items, properties, anyOf/oneOf/allOf) and adds to
    ``found`` every object with properties that requires none of them, as name -> where."""
    name = None
    while "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        if name in seen:
            return
        seen = tuple(seen) + (name,)
        schema = document["components"]["schemas"][name]
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, ()):
            _open_objects(document, part, where, found, seen)
    if "items" in schema:
        _open_objects(document, schema["items"], where, found, seen)
    properties = schema.get("properties") or {}
    if properties and not schema.get("required") and name not in OPEN_OBJECTS:
        found.setdefault(name or "an inline object", set()).add(where)
    for value in properties.values():
        _open_objects(document, value, where, found, seen)


def _open_success_objects(document, tags=None):
    """Objects of 2xx JSON answers (and every object inside them) that have properties but
    require none: such a schema accepts {} and tells clients nothing is guaranteed."""
    found = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if tags is not None and not set(operation.get("tags", ())) & set(tags):
                continue
            for status, answer in operation["responses"].items():
                content = answer.get("content", {}).get("application/json")
                if status.startswith("2") and content is not None:
                    _open_objects(document, content["schema"],
                                  "%s %s %s" % (method.upper(), path, status), found)
    return ["%s (in %s)" % (name, ", ".join(sorted(where))) for name, where in
            sorted(found.items())]


def test_web_push_and_collaboration_answers_say_which_fields_they_always_have():
    """findings-10 10-6: seven Web Push answers required nothing, so a schema check passed {}."""
    found = _open_success_objects(_document(), ("web_push", "collaboration"))
    assert found == [], "answers requiring no field: %s" % found


def test_every_success_answer_says_which_fields_it_always_has():
    """findings-10 10-6 (the rest): the user, group and group-chat answers (and the objects in
    them) required nothing, so "answers conform to their schema" passed an answer missing any
    field. Every object in a success answer lists ``required``, or is in OPEN_OBJECTS with the
    reason."""
    found = _open_success_objects(_document())
    assert found == [], "objects in success answers requiring no field:\n%s" % "\n".join(found)


def test_an_object_requiring_nothing_is_found_wherever_it_is():
    """The check itself: an open object nested in an array in a property is found."""
    routes = [Route("GET", "/nested", _handler, access=USER, answers={200: {
        "type": "object", "properties": {"list": {"type": "array", "items": {
            "type": "object", "properties": {"field": {"type": "string"}}}}},
        "required": ["list"]}})]
    found = _open_success_objects(_document(routes))
    assert found == ["an inline object (in GET /nested 200)"], found


def test_the_device_name_limit_and_its_400_are_in_the_contract():
    """findings-10 10-4: DELETE /webpush/subscribe answered an undocumented 400 for names over
    100 characters, and the parameter's schema did not state the limit."""
    item = _document()["paths"]["/webpush/subscribe/{resource}"]
    for method in ("post", "delete"):
        schema = [p for p in item[method]["parameters"] if p["name"] == "resource"][0]["schema"]
        assert schema.get("maxLength") == 100 and schema.get("minLength") == 1, \
            "%s resource schema %r" % (method, schema)
        assert "400" in item[method]["responses"], "%s has no 400" % method

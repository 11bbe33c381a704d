"""Every route declares what it is (summary, tag, access, parameters, body, answers), so that
the OpenAPI description and the schemathesis run cover it: see the how-to in http/routing.py."""
from __future__ import absolute_import

from sparkweb.api import AREAS, ROUTES, schemas
from sparkweb.http.routing import NO_BODY, USER, Body, Route, declaration_problems, \
    pipeline_answers


def _handler(request):
    return {}


def _model_names():
    names = set(schemas.MODELS)
    for area in AREAS:
        names.update(getattr(area, "MODELS", {}))
    return names


def _references(schema):
    """Every ``$ref`` inside a schema (dicts and lists, any depth)."""
    if isinstance(schema, dict):
        found = [schema["$ref"]] if "$ref" in schema else []
        for value in schema.values():
            found.extend(_references(value))
        return found
    if isinstance(schema, list):
        return [ref for item in schema for ref in _references(item)]
    return []


def test_every_route_is_declared():
    problems = ["%r: %s" % (route, "; ".join(declaration_problems(route)))
                for route in ROUTES if declaration_problems(route)]
    assert not problems, "routes without a full declaration:\n" + "\n".join(problems)


def test_every_schema_reference_names_a_model():
    names = _model_names()
    schemas_in_use = list(schemas.MODELS.values())
    for route in ROUTES:
        schemas_in_use.extend(answer for answer in route.answers.values()
                              if isinstance(answer, dict))
        schemas_in_use.extend(param.schema for param in route.params.values())
        if route.takes_body() and route.body.json is not None:
            schemas_in_use.append(route.body.json)
    unknown = sorted(set(ref for schema in schemas_in_use for ref in _references(schema)
                         if ref.split("/")[-1] not in names))
    assert not unknown, "references to models that do not exist: %s" % unknown


def test_an_undeclared_route_is_caught():
    bare = Route("POST", "/things/{name}", _handler)
    problems = " ".join(declaration_problems(bare))
    for missing in ("summary", "tag", "access", "name", "body", "success"):
        assert missing in problems, "%r not reported for a bare route: %s" % (missing, problems)


def test_a_route_declared_with_the_wrong_kinds_is_caught():
    route = Route("GET", "/things/{name}", _handler, summary="Things", tag="chat",
                  access=USER, params={"name": "", "other": "described"},
                  answers={200: "not a schema", 404: {"type": "object"}})
    problems = " ".join(declaration_problems(route))
    assert "parameter name has no description" in problems, problems
    assert "answer 200 is not a JSON Schema" in problems, problems
    assert "error answer 404" in problems, problems


def test_a_fully_declared_route_passes():
    route = Route("PUT", "/things/{name}", _handler, summary="Put a thing", tag="chat",
                  access=USER, params={"name": "The thing."},
                  body=Body("The thing.", json={"type": "object"}),
                  answers={200: schemas.ref("Empty"), 404: "No such thing."})
    assert declaration_problems(route) == [], declaration_problems(route)


def test_the_pipeline_documents_its_own_refusals():
    with_body = Route("POST", "/x", _handler, access=USER, body=Body("x", text="x"))
    answers = pipeline_answers(with_body)
    assert set([400, 401, 408, 413, 503]) <= set(answers), sorted(answers)
    assert 401 not in pipeline_answers(Route("POST", "/y", _handler, access="public",
                                             body=NO_BODY)), "public routes need no token"


def test_admin_routes_refuse_users_who_are_not_openfire_administrators():
    from jtest_credentials import FakeContext, answer
    from sparkweb.http.routing import ADMIN, pipeline
    from support import openfire_with_users, services
    openfire = openfire_with_users()
    app = services(openfire)
    route = Route("GET", "/admin-only", lambda request: {"who": request.user},
                  summary="x", tag="chat", access=ADMIN, answers={200: {"type": "object"}})
    token, _ = app.authenticator.login(u"alice", u"alice-pw")
    call = pipeline(route, app)
    status, body = answer(call(FakeContext({}, headers={"Authorization": token})))
    assert (status, body.get("error")) == (403, "forbidden"), "a non-admin got %r %r" % (
        status, body)
    openfire.set_admin(u"alice")
    status, body = answer(call(FakeContext({}, headers={"Authorization": token})))
    assert (status, body) == (200, {"who": u"alice"}), "an admin got %r %r" % (status, body)
    status, _ = answer(call(FakeContext({})))
    assert status == 401, "an admin route without a token answered %r" % status

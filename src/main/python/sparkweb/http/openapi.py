"""The API's OpenAPI 3.1 description, made from the route tables when SparkWeb starts, so that
it says what the code serves: every route's declaration (http.routing) becomes an operation,
the pipeline's own refusals (:func:`~sparkweb.http.routing.pipeline_answers`) are added to each,
and the models (api.schemas and the areas' ``MODELS``) go under ``components/schemas``.

Served at ``GET /sparkweb/api/openapi.json`` (http.docs) and shown by Swagger UI at
``/sparkweb/api/docs``.
"""
from __future__ import absolute_import

from sparkweb.api.schemas import ref
from sparkweb.http.routing import PUBLIC, TAGS, pipeline_answers

JSON = "application/json"
TEXT = "text/plain"
# The same for every route that needs a token: the raw token (as pages for the earlier plugin
# send it) or "Bearer <token>" in the Authorization header.
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
               "description": "Authorization: Bearer <token>, the token of POST /login."},
    "token": {"type": "apiKey", "in": "header", "name": "Authorization",
              "description": "Authorization: <token>, the raw token, as pages written for the "
                             "earlier plugin send it."},
}
SIGNED_IN = [{"bearer": []}, {"token": []}]

DESCRIPTION = (
    "The REST API of SparkWeb, the Openfire plugin that gives web pages XMPP: sign in with a "
    "password (`POST /login/{username}`) or a passkey for a token, then call the API with it. "
    "Events arrive on the Server-Sent Events stream `/sparkweb/sse`.\n\n"
    "On the docs page, a successful *Try it out* of a sign-in (or of `/renew`) authorizes the "
    "page with the token it answered; *Authorize* takes a token too.\n\n"
    "Every refusal is JSON `{\"error\", \"message\"}`.")


def document(routes, models, rest_path, web_urls, version):
    """The OpenAPI document (a dict) for ``routes`` served under ``rest_path`` (e.g.
    ``/sparkweb/api/rest``) at Openfire's ``web_urls`` (``http://host:7070``, ...)."""
    paths = {}
    operation_ids = set()
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, operation_ids)
    schemas = dict(models)
    return {
        "openapi": "3.1.0",
        "info": {"title": "SparkWeb REST API", "version": version, "description": DESCRIPTION,
                 "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}},
        # The page's own origin first: Swagger UI sends "Try it out" there, which the pages'
        # Content-Security-Policy (connect-src 'self') allows.
        "servers": [{"url": rest_path, "description": "This server"}] +
                   [{"url": url + rest_path} for url in web_urls],
        "tags": [{"name": name, "description": text} for name, text in TAGS],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": SECURITY_SCHEMES},
    }


def _operation(route, operation_ids):
    operation = {"tags": [route.tag], "summary": route.summary,
                 "operationId": _unique(route.handler.__name__, operation_ids),
                 "responses": _responses(route),
                 "security": [] if route.access == PUBLIC else SIGNED_IN}
    if route.description:
        operation["description"] = route.description
    parameters = [_parameter(name, param, name in route.path_names)
                  for name, param in sorted(route.params.items())]
    if parameters:
        operation["parameters"] = parameters
    if route.takes_body():
        operation["requestBody"] = _request_body(route.body)
    return operation


def _unique(name, taken):
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = "%s_%d" % (name, number), number + 1
    taken.add(candidate)
    return candidate


def _parameter(name, param, in_path):
    parameter = {"name": name, "in": "path" if in_path else "query",
                 "description": param.description, "required": in_path or param.required,
                 "schema": param.schema}
    if param.example is not None:
        parameter["example"] = param.example
    return parameter


def _request_body(body):
    content = {}
    if body.json is not None:
        content[JSON] = {"schema": body.json}
    if body.text:
        content[TEXT] = {"schema": {"type": "string", "description": body.text}}
    return {"description": body.description, "required": body.required, "content": content}


def _responses(route):
    answers = pipeline_answers(route)
    answers.update(route.answers)
    responses = {}
    for status, answer in sorted(answers.items()):
        if isinstance(answer, dict):
            responses[str(status)] = {"description": _success_text(status),
                                      "content": {JSON: {"schema": answer}}}
        else:
            responses[str(status)] = {"description": answer,
                                      "content": {JSON: {"schema": ref("Error")}}}
    return responses


def _success_text(status):
    return {200: "OK.", 201: "Created.", 202: "Accepted.", 204: "No content."}.get(
        status, "Success.")

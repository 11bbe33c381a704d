"""The modules every REST request or delivered message runs through build no generators.

Jython gives each generator (a generator expression such as ``sum(len(t) for t in texts)``, or
a function with ``yield``; in Jython 2.7 also a dict or set comprehension) a finalizer, like each object of a Python class with Java bases
(see ``http.body_reader.arrived_whole``). The JVM registers every finalizable object under one
global lock, and keeps it, with what it references, through one more garbage collection. At
500 messages/s such objects filled the young collections' survivor space and lengthened their
pauses, which set REST->SSE's p99 (issue 16). A list comprehension builds no generator."""
import ast
import os

from harness import paths

PACKAGE = os.path.join(paths.PYTHON_SOURCES, "sparkweb")
HOT_PATH = (
    "http/app.py", "http/body_reader.py", "http/client_address.py", "http/cors.py",
    "http/headers.py", "http/request.py", "http/response.py", "http/routing.py",
    "auth/credentials.py", "auth/revocation.py", "auth/tokens.py",
    "api/chat.py", "api/presence.py", "api/users.py",
    "session/carbons.py", "session/delivery.py", "session/registry.py",
    "session/stanza_sizes.py", "session/user_session.py",
    "events/catalogue.py", "events/log.py", "events/sse.py",
    "jsontext.py", "openfire/live_xmpp.py", "secure_random.py", "xmpp/stanza.py",
)


# Jython 2.7 compiles dict and set comprehensions into generators as well (review S9-R-1).
GENERATOR_NODES = (ast.GeneratorExp, ast.DictComp, ast.SetComp, ast.Yield, ast.YieldFrom)


def generators(path):
    with open(path, encoding="utf-8") as source:
        tree = ast.parse(source.read(), path)
    lines = sorted(node.lineno for node in ast.walk(tree) if isinstance(node, GENERATOR_NODES))
    return ["line %d" % line for line in lines]


def test_the_hot_path_modules_build_no_generators():
    found = {}
    for module in HOT_PATH:
        lines = generators(os.path.join(PACKAGE, module))
        if lines:
            found[module] = lines
    assert not found, "generators (use a list comprehension): %s" % found


def test_the_check_finds_a_generator_expression(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(u"def size(texts):\n    return sum(len(t) for t in texts)\n"
                      u"def index(texts):\n    return {t: len(t) for t in texts}\n")
    assert generators(str(sample)) == ["line 2", "line 4"]

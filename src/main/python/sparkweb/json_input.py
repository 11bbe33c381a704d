"""The one JSON parser for input from outside: request bodies, passkey ``clientDataJSON``,
XEP-0335 data in stanzas from any XMPP user.

Python's ``json.loads`` is not safe for that in Jython: a 1,000,000-digit number costs about a
minute of CPU (its conversion is quadratic) and deep nesting recurses until a Java
``StackOverflowError``. This parser reads Jackson's token stream (strict JSON, no comments, no
``NaN``) without recursion and refuses, before any conversion:

- nesting deeper than ``MAX_DEPTH``; more than ``MAX_TOKENS`` values, keys and brackets;
- numbers longer than ``MAX_NUMBER_LENGTH`` characters (Jackson stops at the limit, while
  scanning), and numbers outside the range of a double (``1e400``): JSON has no infinity;
- strings with unpaired surrogates (``"\\ud800"``): no UTF-8 text, no XML can carry them;
- documents longer than ``MAX_LENGTH`` characters, and anything after the first value.

It answers what ``json.loads`` would (dict, list, unicode, int/long, float, bool, None) or
raises :class:`JsonInputError` (a ValueError) with a message that never quotes the input.
"""
from __future__ import absolute_import

import math

from com.fasterxml.jackson.core import JsonFactory, JsonTokenId, StreamReadConstraints
from com.fasterxml.jackson.core.exc import StreamConstraintsException
from java.io import IOException

from sparkweb.jackson import pooled

MAX_DEPTH = 64
MAX_TOKENS = 200000
MAX_NUMBER_LENGTH = 100
MAX_LENGTH = 16 * 1024 * 1024


class JsonInputError(ValueError):
    """The input is not JSON this server accepts; the message says why, for people."""


def _factory():
    constraints = StreamReadConstraints.builder() \
        .maxNestingDepth(MAX_DEPTH + 1) \
        .maxNumberLength(MAX_NUMBER_LENGTH) \
        .maxStringLength(MAX_LENGTH) \
        .maxNameLength(MAX_LENGTH) \
        .maxDocumentLength(MAX_LENGTH) \
        .build()
    return pooled(JsonFactory.builder().streamReadConstraints(constraints))


_FACTORY = _factory()
_OPEN = (JsonTokenId.ID_START_OBJECT, JsonTokenId.ID_START_ARRAY)
_CLOSE = (JsonTokenId.ID_END_OBJECT, JsonTokenId.ID_END_ARRAY)


def parse(text):
    """The value of the JSON document ``text`` (unicode); JsonInputError when refused."""
    if text is None:
        raise JsonInputError("There is no JSON.")
    if len(text) > MAX_LENGTH:
        raise JsonInputError("The JSON is longer than %d characters." % MAX_LENGTH)
    parser = _FACTORY.createParser(text)
    try:
        value = _read_value(parser)
        if parser.nextToken() is not None:
            raise JsonInputError("There is more after the JSON value.")
        return value
    except StreamConstraintsException:
        raise JsonInputError("The JSON has a number longer than %d characters or a string "
                             "longer than this server accepts." % MAX_NUMBER_LENGTH)
    except IOException:   # Jackson's JsonParseException: not JSON (the message quotes input)
        raise JsonInputError("The text is not valid JSON.")
    finally:
        parser.close()


def _read_value(parser):
    """Builds the value with an explicit stack of open containers (no recursion)."""
    containers, keys = [], []
    for count in xrange(MAX_TOKENS + 1):
        token = parser.nextToken()
        if token is None:   # only before the first token: Jackson reports an early end
            raise JsonInputError("There is no JSON.")
        kind = token.id()
        if kind == JsonTokenId.ID_FIELD_NAME:
            keys[-1] = _text(parser)
            continue
        if kind in _CLOSE:
            value = containers.pop()
            keys.pop()
        elif kind in _OPEN:
            if len(containers) >= MAX_DEPTH:
                raise JsonInputError("The JSON nests deeper than %d levels." % MAX_DEPTH)
            container = {} if kind == JsonTokenId.ID_START_OBJECT else []
            _add(containers, keys, container)
            containers.append(container)
            keys.append(None)
            continue
        else:
            value = _scalar(parser, kind)
            _add(containers, keys, value)
        if not containers:
            return value
    raise JsonInputError("The JSON has more than %d values." % MAX_TOKENS)


def _add(containers, keys, value):
    if not containers:
        return
    parent = containers[-1]
    if isinstance(parent, list):
        parent.append(value)
    else:
        parent[keys[-1]] = value


def _scalar(parser, kind):
    if kind == JsonTokenId.ID_STRING:
        return _text(parser)
    if kind == JsonTokenId.ID_NUMBER_INT:
        return int(parser.getText())      # at most MAX_NUMBER_LENGTH digits: cheap
    if kind == JsonTokenId.ID_NUMBER_FLOAT:
        number = float(parser.getText())
        if math.isinf(number):
            raise JsonInputError("The JSON has a number too large for a double.")
        return number
    if kind == JsonTokenId.ID_TRUE:
        return True
    if kind == JsonTokenId.ID_FALSE:
        return False
    if kind == JsonTokenId.ID_NULL:
        return None
    raise JsonInputError("The text is not valid JSON.")


def _text(parser):
    try:
        return parser.getText()   # Jython refuses to make unicode of an unpaired surrogate
    except ValueError:
        raise JsonInputError("The JSON has a string with an unpaired surrogate (\\ud800-"
                             "\\udfff escapes must come in pairs).")

"""JSON text for every answer and event, from one encoder built once (``json.dumps`` with
options builds a new encoder per call). JSON is never assembled by string building, and never
invalid: NaN and infinities raise instead of becoming ``NaN``/``Infinity``, which JSON.parse
refuses (a page would lose the whole event).

No circular-reference check: Jython's encoder makes it with ``id()`` on every dict and list,
and Jython's ``id()`` is one synchronized map for the whole JVM, so every answer and event of
every thread queued on that lock (a JFR profile of POST /chat/message showed 2 s of waits on
it in 30 s). The values encoded here are built afresh from dicts, lists and strings; a cycle
would be a bug, and it still fails (recursion limit) instead of looping."""
from __future__ import absolute_import

import json

_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False, check_circular=False)


def to_json(value):
    return _ENCODER.encode(value)

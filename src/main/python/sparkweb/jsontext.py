"""JSON text for every answer and event, from one encoder built once (``json.dumps`` with
options builds a new encoder per call). JSON is never assembled by string building, and never
invalid: NaN and infinities raise instead of becoming ``NaN``/``Infinity``, which JSON.parse
refuses (a page would lose the whole event)."""
from __future__ import absolute_import

import json

_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False)


def to_json(value):
    return _ENCODER.encode(value)

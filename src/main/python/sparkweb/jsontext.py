"""JSON text for every answer and event, from one encoder built once (``json.dumps`` with
options builds a new encoder per call). JSON is never assembled by string building."""
from __future__ import absolute_import

import json

_ENCODER = json.JSONEncoder(separators=(",", ":"))


def to_json(value):
    return _ENCODER.encode(value)

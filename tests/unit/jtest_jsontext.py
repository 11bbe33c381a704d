"""sparkweb.jsontext: the one JSON encoder of answers and events."""
from __future__ import absolute_import

from sparkweb.jsontext import to_json


def test_encoding_does_not_take_jythons_global_id_lock():
    """Jython's id() is one synchronized map for the JVM, and its ids are handed out in
    order at the first id() of an object. An encoder that checks for cycles calls id() on
    every dict and list it encodes; then ``inner`` would get its id before ``later`` does."""
    inner = {u"body": u"hello"}
    to_json({u"events": [inner]})
    later = object()
    later_id = id(later)
    assert id(inner) > later_id, "to_json called id() on the values it encoded"


def test_output_is_compact_and_refuses_nan():
    assert to_json({u"a": [1, u"x"]}) == u'{"a":[1,"x"]}', to_json({u"a": [1, u"x"]})
    try:
        to_json(float("nan"))
    except ValueError:
        return
    raise AssertionError("NaN was encoded")

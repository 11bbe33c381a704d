"""docs/authorization.md names every route, so a new endpoint cannot ship without its policy."""
from __future__ import absolute_import

import io
import os

from sparkweb.api import ROUTES

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                   "authorization.md")


def test_every_route_has_a_row_in_the_authorization_policy():
    with io.open(DOC, encoding="utf-8") as doc:
        text = doc.read()
    missing = [repr(route) for route in ROUTES if "`%s %s`" % (route.method, route.path) not in text]
    assert not missing, "not in docs/authorization.md: %s" % ", ".join(missing)

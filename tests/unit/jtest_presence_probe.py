"""GET /presence/{target}: what a refusal may tell the caller."""
from __future__ import absolute_import

from sparkweb.api import presence
from sparkweb.auth.tokens import Claims
from sparkweb.errors import BadRequest
from support import FakeRequest, services


def probe_refusal(app, target):
    """The answer to alice's probe of ``target``, with the target's name masked."""
    try:
        presence.probe_presence(FakeRequest(app, Claims(u"alice", u"id", 0), {"target": target}))
    except BadRequest as error:
        bare = target if u"@" in target else target + u"@example.test"
        return error.status, error.body()["error"], error.message.replace(bare, u"<target>")
    raise AssertionError("alice may see the presence of %s" % target)


def test_existing_and_unknown_users_get_one_answer():
    app = services()
    app.openfire.add_user(u"carol", u"carol-pw")      # exists, but is not alice's contact
    refusals = set(probe_refusal(app, target) for target in (
        u"carol", u"nobody", u"carol@example.test", u"nobody@example.test",
        u"carol@other.test"))
    assert len(refusals) == 1, "refusals tell users apart: %r" % sorted(refusals)

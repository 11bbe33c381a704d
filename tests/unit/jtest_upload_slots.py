"""Upload slots (XEP-0363) through the user's session, against the in-memory server with and
without an upload service like Openfire's HTTP File Upload plugin."""
from __future__ import absolute_import

from sparkweb.api.collaboration import get_upload_slot
from sparkweb.errors import BadRequest, PayloadTooLarge
from sparkweb.openfire.memory_iq import MemoryUploadService
from support import FakeRequest, openfire_with_users, raised, services

CLAIMS = type("Claims", (), {"username": u"alice"})()


def app_with_upload(max_size=1000):
    openfire = openfire_with_users()
    service = MemoryUploadService(openfire.xmpp_domain(), max_size)
    openfire.xmpp.iq.add_component(service)
    return services(openfire), service


def ask(app, name, size, content_type=None):
    request = FakeRequest(app, CLAIMS, {"fileName": name, "fileSize": size})
    request.query = lambda key, default=None: content_type if key == "contentType" else default
    return lambda: get_upload_slot(request)


def test_a_slot_comes_from_the_service_found_by_discovery():
    app, service = app_with_upload()
    slot = ask(app, u"photo.jpg", "999", "image/jpeg")()
    assert slot["putUrl"].startswith(service.base_url) and slot["putUrl"].endswith("/photo.jpg"), \
        "slot %r" % slot
    assert slot["getUrl"] == slot["putUrl"], "get %r" % slot
    assert slot["headers"] == {"Authorization": "Basic c2xvdA=="}, \
        "only XEP-0363's headers pass: %r" % slot["headers"]
    session = app.sessions.get_or_start(u"alice")
    assert session.queries.pending() == 0, "queries left waiting"


def test_a_file_over_the_limit_is_413_with_the_limit_before_asking_for_a_slot():
    app, _ = app_with_upload(max_size=1000)
    error = raised(ask(app, u"big.bin", "1001"))
    assert isinstance(error, PayloadTooLarge) and error.status == 413, "got %r" % error
    assert error.body()["maxFileSize"] == 1000 and "1000" in error.message, "%r" % error.body()


def test_without_an_upload_service_the_answer_is_501_naming_the_plugin():
    app = services(openfire_with_users())
    error = raised(ask(app, u"photo.jpg", "10"))
    assert error is not None and error.status == 501, "got %r" % error
    assert "HTTP File Upload plugin" in error.message, error.message


def test_bad_names_and_sizes_are_400_before_anything_is_sent():
    app, _ = app_with_upload()
    for name, size, kind in ((u"a.txt", "0", None), (u"a.txt", "-5", None),
                             (u"a.txt", "1e3", None), (u"a.txt", "99999999999999999", None),
                             (u"", "10", None), (u"x" * 256, "10", None),
                             (u"bad\u0001.txt", "10", None), (u"a.txt", "10", "no-slash"),
                             (u"a.txt", "10", "text/plain\r\nX: y")):
        error = raised(ask(app, name, size, kind))
        assert isinstance(error, BadRequest), "%r %r %r: %r" % (name[:20], size, kind, error)


def test_the_services_own_refusal_maps_to_4xx_with_the_condition():
    app, service = app_with_upload()
    service.answer = lambda type, query: ("error", "auth", "forbidden") \
        if query.getLocalName() == "request" else MemoryUploadService.answer(service, type, query)
    error = raised(ask(app, u"a.txt", "10"))
    assert error is not None and error.status == 403 and "forbidden" in error.message, \
        "got %r" % error

"""GET /upload/{fileName}/{fileSize} where the server has no HTTP upload service (the dev
host, like an Openfire without the HTTP File Upload plugin): 501 naming the plugin; bad names
and sizes 400 whatever the server has. The slot itself is tested on a real Openfire with the
plugin (tests/openfire/test_upload_openfire.py)."""
import pytest


def test_no_upload_service_is_501_naming_the_plugin(target, alice):
    if target.name != "devhost":
        pytest.skip("a real Openfire may have the plugin: see tests/openfire")
    response = alice.get("/upload/photo.jpg/1234")
    assert response.status_code == 501, response.text
    assert response.json()["error"] == "not_implemented", response.text
    assert "HTTP File Upload plugin" in response.json()["message"], response.text


def test_bad_sizes_and_types_are_400(alice):
    for path, params in (("/upload/a.txt/0", {}), ("/upload/a.txt/-1", {}),
                         ("/upload/a.txt/ten", {}), ("/upload/a.txt/1e9", {}),
                         ("/upload/a.txt/5", {"contentType": "nonsense"})):
        response = alice.get(path, params=params)
        assert response.status_code == 400, (path, params, response.status_code, response.text)


def test_upload_needs_a_token(target):
    with target.client() as anonymous:
        assert anonymous.get("/upload/a.txt/5").status_code == 401

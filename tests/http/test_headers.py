"""Response headers that keep browsers safe (issue 9.16): pages of web/ with a content
security policy, a frame policy and nosniff; API answers never cached, and nosniff."""
import httpx
import pytest

PAGES = ("/sparkweb/index.html", "/sparkweb/passkeys.html", "/sparkweb/")


def csp_directives(response):
    policy = response.headers.get("content-security-policy", "")
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_a_content_security_policy_and_a_frame_policy(target, path):
    response = httpx.get(target.base_url + path, timeout=30)
    assert response.status_code == 200, "%s: %s" % (path, response.status_code)
    assert response.headers.get("x-content-type-options") == "nosniff", response.headers
    assert response.headers.get("x-frame-options") in ("DENY", "SAMEORIGIN"), response.headers
    directives = csp_directives(response)
    assert directives.get("frame-ancestors") in (["'none'"], ["'self'"]), directives
    assert directives.get("default-src") == ["'self'"], directives
    for name in ("script-src", "style-src"):
        allowed = directives.get(name, directives["default-src"])
        assert "'unsafe-inline'" not in allowed and "'unsafe-eval'" not in allowed, directives
    assert directives.get("object-src") == ["'none'"], directives


def test_api_answers_are_not_cached(target, alice_token):
    with target.client(alice_token) as client:
        answers = {"GET /user": client.get("/user"),
                   "POST /renew": client.post("/renew"),
                   "404": client.get("/no/such/thing")}
    with target.client() as client:
        answers["401"] = client.get("/user")
        answers["login"] = client.post("/login/alice", content=target.users["alice"])
    for name, response in answers.items():
        assert response.headers.get("content-type", "").startswith("application/json"), name
        assert "no-store" in response.headers.get("cache-control", ""), \
            "%s: %s" % (name, response.headers)
        assert response.headers.get("x-content-type-options") == "nosniff", \
            "%s: %s" % (name, response.headers)


def test_the_sign_in_page_works_under_its_policy(browser, target):
    context = browser.new_context()
    try:
        page = context.new_page()
        complaints = []
        page.on("console", lambda message: complaints.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.goto(target.base_url + "/sparkweb/index.html")
        page.fill("sparkweb-login input[name=username]", "alice")
        page.fill("sparkweb-login input[name=password]", target.users["alice"])
        page.click("sparkweb-login button[type=submit]")
        page.wait_for_selector("sparkweb-roster li[data-jid^='bob@']", timeout=20000)
        assert "alice" in page.text_content("sparkweb-login [part~=status]")
        assert page.eval_on_selector(
            "sparkweb-roster", "r => getComputedStyle(r.shadowRoot.querySelector('ul'))"
            ".listStyleType") == "none", "the elements' style sheet was not applied"
        page.goto(target.base_url + "/sparkweb/passkeys.html")
        page.wait_for_function("() => window.sparkwebPasskeys !== undefined", timeout=20000)
        assert page.eval_on_selector("body", "b => getComputedStyle(b).maxWidth") != "none", \
            "the page's style sheet was not applied"
        assert not complaints, complaints
    finally:
        context.close()

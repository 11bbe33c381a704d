"""The SparkWeb chat client (web/index.html) and the element examples in a real browser tab,
driven the way a person uses them. Playwright's CSS selectors pierce the elements' open shadow
roots, so ``sparkweb-chat input`` finds the message field inside <sparkweb-chat>."""
import os

from harness import paths

TIMEOUT = 20000     # ms: the browser, the server and the tests share two cores
ARTIFACTS = os.path.join(paths.WORK, "artifacts")

# The client module of the page, from the page (dynamic import is allowed by the page policy).
CLIENT = "import('/sparkweb/js/sparkweb/client.js').then(m => m.sparkweb())"


class ClientPage(object):
    def __init__(self, context, target, path="/sparkweb/"):
        self.target = target
        self.page = context.new_page()
        self.problems = []
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.on("console", lambda message: self.problems.append(message.text)
                     if "Content Security Policy" in message.text else None)
        self.page.goto(target.base_url + path)

    def sign_in(self, username):
        self.page.fill("sparkweb-login input[name=username]", username)
        self.page.fill("sparkweb-login input[name=password]", self.target.users[username])
        self.page.click("sparkweb-login button[type=submit]")
        self.wait_signed_in(username)

    def sign_out(self):
        """Clicks sign-out and waits for the server's answer to it: the page forgets its token
        at once, but the session ends only when POST /logout is handled, and a message sent
        before that still goes to the old session."""
        with self.page.expect_response(lambda response: response.url.endswith("/logout"),
                                       timeout=TIMEOUT) as answer:
            self.page.click("sparkweb-login button[part~=sign-out]")
        assert answer.value.status == 200, "POST /logout answered %d" % answer.value.status
        self.page.wait_for_selector("sparkweb-login input[name=username]", timeout=TIMEOUT)

    def wait_signed_in(self, username):
        self.page.wait_for_selector("sparkweb-login [part~=signed-in]", timeout=TIMEOUT)
        shown = self.page.text_content("sparkweb-login [part~=status]")
        assert username in shown, "signed in as someone else: %r" % shown

    def wait_connected(self):
        """Until the shared stream is open, as this tab knows it (leader or relayed)."""
        self.page.wait_for_function(CLIENT.replace("m.sparkweb())", "m.sparkweb().connection)")
                                    + ".then(state => state === 'open')", timeout=TIMEOUT)

    def is_leader(self):
        return self.page.evaluate(CLIENT + ".then(client => client.stream.leader)")

    def open_chat(self, name):
        contact = "sparkweb-roster li[data-jid^='%s@'] button[part~=contact]" % name
        self.page.click(contact, timeout=TIMEOUT)
        self.page.wait_for_selector("sparkweb-chat input[name=text]", timeout=TIMEOUT)

    def type(self, text):
        self.page.fill("sparkweb-chat input[name=text]", text)

    def send(self, text):
        self.type(text)
        self.page.press("sparkweb-chat input[name=text]", "Enter")
        self.wait_for_message(text, outgoing=True)

    def wait_for_message(self, body, outgoing=False, timeout=TIMEOUT):
        self.page.wait_for_function(
            """([body, outgoing]) => [...document.querySelector('sparkweb-chat').shadowRoot
                 .querySelectorAll(outgoing ? 'li.outgoing .body' : 'li.incoming .body')]
                 .some(b => b.textContent === body)""", arg=[body, outgoing], timeout=timeout)

    def messages(self):
        """[(direction, body)] as shown, oldest first."""
        return [tuple(item) for item in self.page.eval_on_selector_all(
            "sparkweb-chat li.message",
            "items => items.map(i => [i.classList.contains('outgoing') ? 'out' : 'in', "
            "i.querySelector('.body').textContent])")]

    def wait_typing(self, typing):
        self.page.wait_for_function(
            "typing => document.querySelector('sparkweb-chat').hasAttribute('peer-typing') === typing",
            arg=typing, timeout=TIMEOUT)

    def typing_text(self):
        return self.page.text_content("sparkweb-chat [part~=typing]")

    def contact_show(self, name):
        return self.page.get_attribute("sparkweb-roster li[data-jid^='%s@']" % name, "data-show")

    def wait_contact_show(self, name, show):
        self.page.wait_for_selector("sparkweb-roster li[data-jid^='%s@'][data-show='%s']"
                                    % (name, show), timeout=TIMEOUT)

    def screenshot(self, name):
        if not os.path.isdir(ARTIFACTS):
            os.makedirs(ARTIFACTS)
        path = os.path.join(ARTIFACTS, name)
        self.page.screenshot(path=path, full_page=True)
        return path

"""<sparkweb-notifications> in a real browser (Debian's Chromium driven by Playwright): turned
on and off with the keyboard alone, the subscription stored on the server, and a push sent by
another user arriving, decrypted, at the push service.

A test machine cannot reach a browser vendor's push service, so the page's PushManager hands out
a subscription of the local push service (harness/push_service.py) instead: everything else
(service worker, permission, SparkWeb's REST calls, encryption and VAPID) is real."""
import json
import urllib.parse

import pytest

from harness.client_page import TIMEOUT, ClientPage
from harness.push_service import PushService
from test_components import contexts  # noqa: F401 (fixture)

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

NOTIFICATIONS = "sparkweb-notifications"

# The browser's push subscription, replaced by one of the local push service.
LOCAL_PUSH = """
(() => {
  const made = %s, KEY = "test.pushSubscribed";   // kept across reloads, as a browser does
  const subscription = (options) => ({ endpoint: made.endpoint, options, toJSON: () => made,
    unsubscribe: async () => { localStorage.removeItem(KEY); return true; } });
  PushManager.prototype.getSubscription = async function () {
    return localStorage.getItem(KEY) ? subscription({}) : null;
  };
  PushManager.prototype.subscribe = async function (options) {
    localStorage.setItem(KEY, "yes");
    return subscription(options);
  };
})();
"""


@pytest.fixture(scope="module")
def push_service():
    service = PushService()
    yield service
    service.close()


def state(page):
    return page.page.text_content(NOTIFICATIONS + " [part~=state]")


def devices(target):
    with target.client(target.login("alice")) as alice:
        return [s["resource"] for s in alice.get("/webpush/subscribers").json()["subscriptions"]]


def test_notifications_turned_on_and_off_with_the_keyboard_and_a_push_arrives(
        contexts, target, push_service):
    subscription = push_service.subscription("browser-test")
    context = contexts()
    parts = urllib.parse.urlsplit(target.base_url)
    context.grant_permissions(["notifications"], origin="%s://%s" % (parts.scheme, parts.netloc))
    context.add_init_script(LOCAL_PUSH % json.dumps(subscription.json()))
    alice = ClientPage(context, target, "/sparkweb/examples/notifications.html")
    alice.sign_in("alice")
    alice.page.wait_for_selector(NOTIFICATIONS + " button[part~=toggle]:not([disabled])",
                                 timeout=TIMEOUT)
    assert state(alice) == "Notifications are off for this browser.", state(alice)
    device = alice.page.evaluate("() => document.querySelector('sparkweb-notifications').device")
    assert device not in devices(target), "subscribed before it was turned on"

    alice.page.focus(NOTIFICATIONS + " button[part~=toggle]")
    alice.page.keyboard.press("Enter")
    alice.page.wait_for_function("() => document.querySelector('sparkweb-notifications')"
                                 ".enabled === true", timeout=TIMEOUT)
    assert state(alice) == "Notifications are on for this browser.", state(alice)
    assert device in devices(target), "the server has no subscription of %s" % device
    pressed = alice.page.get_attribute(NOTIFICATIONS + " button[part~=toggle]", "aria-pressed")
    assert pressed == "true", pressed
    with target.client(target.login("bob")) as bob:
        answer = bob.post("/webpush/publish/alice", json={"title": "Bob", "body": "tea at 5?"})
        assert answer.status_code == 200, answer.text
    note = subscription.next().json()
    assert note["body"] == "tea at 5?" and note["title"].endswith("Bob"), note

    # A reload shows it on; the focus stays on the button, which turns it off.
    alice.page.reload()
    alice.page.wait_for_function("() => document.querySelector('sparkweb-notifications')"
                                 ".enabled === true", timeout=TIMEOUT)
    alice.page.focus(NOTIFICATIONS + " button[part~=toggle]")
    alice.page.keyboard.press("Enter")
    alice.page.wait_for_function("() => document.querySelector('sparkweb-notifications')"
                                 ".enabled === false", timeout=TIMEOUT)
    assert device not in devices(target), "the subscription outlived turning it off"
    assert not alice.problems, alice.problems


def test_a_refused_permission_is_said_in_words(contexts, target):
    context = contexts()
    alice = ClientPage(context, target, "/sparkweb/examples/notifications.html")
    alice.page.add_init_script("Notification.requestPermission = async () => 'denied';"
                               "Object.defineProperty(Notification, 'permission', "
                               "{get: () => 'denied'});")
    alice.page.reload()
    alice.sign_in("alice")
    alice.page.click(NOTIFICATIONS + " button[part~=toggle]:not([disabled])", timeout=TIMEOUT)
    alice.page.wait_for_selector(NOTIFICATIONS + " [part~=error]:has-text('blocked')",
                                 timeout=TIMEOUT)
    assert state(alice) == "Notifications are off for this browser.", state(alice)

// A message's text as shown by <sparkweb-chat> and <sparkweb-groupchat>: at most SHOWN
// characters at first, then more on request. Any contact may send up to the server's message
// limit (64 KiB); laying out such a body whole, without a space in it, froze the receiving
// page for seconds to minutes (review of issue 15, C4). The full text stays known (bodyOf),
// for matching messages.
import { el } from "./element.js";

const SHOWN = 2000;           // characters shown at first
const MORE = 4;               // each "Show more" shows four times as much
const RUN = 80;               // runs without white space get a line break opportunity this often
const LONG_RUN = new RegExp(`\\S{${RUN + 1},}`, "g");

const bodies = new WeakMap();

/** The full text of the message `item` (an element holding a messageBody). */
export function bodyOf(item) { return bodies.get(item.querySelector(".body")); }

/** The nodes showing `text` for `element` (its language): the body, and "Show more" while
 *  part of it is hidden. */
export function messageBody(element, text) {
  const span = el("span", { part: "body", class: "body" });
  bodies.set(span, text);
  const more = el("button", { type: "button", part: "button more", class: "more" },
                  element.t("message.more"));
  let count = 0;
  const grow = () => {
    count = count ? cut(text, count * MORE) : cut(text, SHOWN);
    span.replaceChildren(...breakable(text.slice(0, count)));
    if (count < text.length) {
      span.append("…");
      more.setAttribute("aria-label", element.t("message.moreLabel", text.length - count));
    } else if (more.isConnected) {       // the whole text: the focus stays near
      span.setAttribute("tabindex", "-1");
      span.focus();
      more.remove();
    }
  };
  more.addEventListener("click", grow);
  grow();
  if (count < text.length) return [span, more];
  return [span];
}

/** `at`, or the end of `text`; never between the two halves of a surrogate pair. */
function cut(text, at) {
  if (at >= text.length) return text.length;
  const code = text.charCodeAt(at - 1);
  return code >= 0xd800 && code <= 0xdbff ? at + 1 : at;
}

/** Text and <wbr> nodes (a line break opportunity that adds no character) every RUN characters
 *  of a run without white space, so that the browser never lays out one huge word. */
function breakable(text) {
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(LONG_RUN)) {
    nodes.push(text.slice(last, match.index));
    for (let at = 0; at < match[0].length;) {
      const end = cut(match[0], at + RUN);
      if (at) nodes.push(el("wbr"));
      nodes.push(match[0].slice(at, end));
      at = end;
    }
    last = match.index + match[0].length;
  }
  nodes.push(text.slice(last));
  return nodes.filter((node) => node !== "");
}

/*
 * Store chat widget: a floating chat button and panel for any web page.
 *
 *   <script src="https://CHATBOT-SERVER/widget.js" data-store-name="Harbor & Pine"
 *           data-product-id="HP-1001" defer></script>
 *
 * It talks to the server the script came from (POST /api/chat, read as a
 * server-sent-event stream through fetch, since EventSource cannot POST),
 * shows the answer as it streams, then its sources, and offers a person on
 * an abstention or hand-off (POST /api/handoff). Once a ticket is open it
 * polls GET /api/conversations/ID/updates, so a reply from the store's team
 * appears in the panel, marked as from a person. The conversation id is kept
 * in localStorage, so a shopper who comes back sees the conversation and any
 * reply that arrived meanwhile, each answer with its cards and sources; "New
 * chat" forgets it. The greeting offers example questions from the store's
 * own FAQ (GET /api/examples). A question sent while an answer is coming is
 * queued and answered after it. A new answer is followed as it grows, but
 * its first line stays in view. Everything lives in a
 * custom element's shadow DOM, so the store's CSS and this widget's CSS
 * cannot affect each other. No build step, no libraries, no cookies.
 * Optional attributes: data-store-name, data-product-id (scopes questions to
 * the product page), data-accent (a CSS colour), and for a shopper signed in
 * on the store's site data-customer-email with data-customer-hash (the hex
 * HMAC-SHA256 of that email with the store's identity secret, computed by the
 * store's server, as Intercom's user_hash): both are sent with each question
 * as customer_email / customer_hash, so the bot can answer about that
 * customer's own orders. A wrong or missing hash is simply anonymous.
 */
(function () {
  "use strict";
  var TAG = "store-chat-widget";
  if (customElements.get(TAG)) return; // the script was included twice

  var script = document.currentScript ||
    Array.prototype.slice.call(document.querySelectorAll("script[src]")).filter(function (s) {
      return /\/widget\.js(\?|#|$)/.test(s.src);
    })[0];
  var API = new URL(script.src, location.href).origin;
  var CONFIG = {
    storeName: script.getAttribute("data-store-name") || "our store",
    productId: script.getAttribute("data-product-id") || null,
    // only colour-like text: the value is written into the widget's style sheet
    accent: /^[#\w(),.%\s-]{1,40}$/.test(script.getAttribute("data-accent") || "")
      ? script.getAttribute("data-accent") : "#1f5f4a",
    // a signed-in customer, as the store's server vouches for them; both or neither are sent
    customerEmail: script.getAttribute("data-customer-email") || null,
    customerHash: script.getAttribute("data-customer-hash") || null,
  };
  var MAX_HISTORY = 10; // turns sent back for follow-ups ("and to Canada?"); the server caps it too
  var POLL_MS = 3000; // how often an open ticket is checked for the team's replies
  var SAVED = "store-chat-widget:" + API; // localStorage key of this shopper's conversation id

  var CSS = [
    ":host { all: initial; font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1d1d1f; }",
    "* { box-sizing: border-box; }",
    ".launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 56px; height: 56px;",
    "  border: 0; border-radius: 50%; background: var(--accent); color: #fff; cursor: pointer;",
    "  box-shadow: 0 4px 14px rgba(0,0,0,.25); display: flex; align-items: center; justify-content: center; }",
    ".launcher:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }",
    ".panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483001; width: 370px; height: 560px;",
    "  max-height: calc(100vh - 108px); display: flex; flex-direction: column; background: #fff;",
    "  border-radius: 14px; box-shadow: 0 8px 30px rgba(0,0,0,.25); overflow: hidden; }",
    ".panel[hidden] { display: none; }",
    "header { display: flex; align-items: center; justify-content: space-between; padding: 12px 14px;",
    "  background: var(--accent); color: #fff; font-weight: 600; }",
    "header button { background: none; border: 0; color: #fff; font-size: 22px; line-height: 1; cursor: pointer; padding: 2px 6px; }",
    ".log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 10px; background: #f6f7f8; }",
    ".msg { max-width: 88%; padding: 8px 11px; border-radius: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }",
    ".user { align-self: flex-end; background: var(--accent); color: #fff; border-bottom-right-radius: 4px; }",
    ".bot { align-self: flex-start; background: #fff; border: 1px solid #e2e4e7; border-bottom-left-radius: 4px; }",
    ".bot.pending .text:empty::after { content: '…'; color: #888; }",
    ".examples { display: flex; flex-direction: column; align-items: flex-start; gap: 6px; margin-top: 8px; }",
    ".examples button { border: 1px solid var(--accent); border-radius: 14px; background: #fff; color: var(--accent);",
    "  padding: 5px 11px; font: inherit; font-size: 14px; text-align: left; cursor: pointer; }",
    ".agent { align-self: flex-start; background: #eef6ff; border: 1px solid #b9d4f1; border-bottom-left-radius: 4px; }",
    ".who { display: block; font-size: 12px; font-weight: 600; color: #24527a; margin-bottom: 2px; }",
    ".status { align-self: center; max-width: 95%; font-size: 13px; color: #444; text-align: center; white-space: normal; }",
    ".header-actions { display: flex; gap: 4px; align-items: center; }",
    "header .new-chat { font-size: 13px; border: 1px solid rgba(255,255,255,.7); border-radius: 6px; padding: 3px 8px; }",
    ".launcher .badge { position: absolute; top: 4px; right: 4px; width: 14px; height: 14px; border-radius: 50%;",
    "  background: #d93025; border: 2px solid #fff; }",
    ".launcher { position: fixed; }",
    ".cards { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; white-space: normal; }",
    ".card { flex: 1 1 130px; border: 1px solid #d6d9de; border-radius: 10px; padding: 7px 9px; background: #fbfbfc;",
    "  display: flex; flex-direction: column; gap: 2px; }",
    ".card .name { font-weight: 600; }",
    ".card .meta { font-size: 13px; color: #444; }",
    ".card button, .card a { align-self: flex-start; margin-top: 3px; font-size: 13px; color: var(--accent);",
    "  background: none; border: 1px solid var(--accent); border-radius: 6px; padding: 2px 7px; cursor: pointer; text-decoration: none; }",
    ".error { align-self: stretch; background: #fdecea; color: #8a1c12; border: 1px solid #f5c2bd; }",
    ".sources { margin: 8px 0 0; padding: 8px 0 0 18px; border-top: 1px solid #eee; font-size: 13px; color: #444; white-space: normal; }",
    ".sources a { color: var(--accent); }",
    ".sources-label { font-size: 12px; font-weight: 600; color: #666; margin-top: 8px; }",
    ".handoff { margin-top: 8px; padding: 8px; background: #fff7e6; border: 1px solid #f3d9a4; border-radius: 8px; white-space: normal; }",
    ".handoff button, form button { border: 0; border-radius: 8px; background: var(--accent); color: #fff;",
    "  padding: 8px 12px; font: inherit; cursor: pointer; }",
    ".handoff button { margin-top: 6px; }",
    "button[disabled] { opacity: .55; cursor: default; }",
    ".rate { margin-top: 6px; display: flex; gap: 6px; }",
    ".rate button { background: none; border: 1px solid #ddd; border-radius: 6px; cursor: pointer; font-size: 13px; padding: 1px 7px; }",
    "form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e2e4e7; background: #fff; }",
    "input { flex: 1; min-width: 0; border: 1px solid #c9cdd2; border-radius: 8px; padding: 9px 10px;",
    "  font: inherit; font-size: 16px; color: inherit; }", // 16px keeps phones from zooming in on focus
    // phones: the panel takes the whole screen, the button stays reachable by thumb
    "@media (max-width: 480px) {",
    "  .panel { inset: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; }",
    "  .launcher { right: 14px; bottom: 14px; }",
    "  .panel:not([hidden]) ~ .launcher { display: none; }",
    "}",
  ].join("\n");

  var ICON = '<svg width="26" height="26" viewBox="0 0 24 24" aria-hidden="true" fill="currentColor">' +
    '<path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg>';

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text; // never innerHTML for server text: no markup injection
    return node;
  }

  function safeHref(url) {
    try {
      var u = new URL(url, location.href);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  async function postJSON(path, body) {
    var res = await fetch(API + path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    var data = null;
    try { data = await res.json(); } catch (e) { /* not JSON */ }
    if (!res.ok) throw new Error((data && data.error) || "The assistant answered " + res.status + ".");
    return data;
  }

  // Server-sent events from a fetch body: "event:" / "data:" lines, a blank line ends an event.
  async function readEvents(response, onEvent) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "", type = "message", data = [];
    function line(text) {
      if (text === "") {
        if (data.length) onEvent(type, data.join("\n"));
        type = "message"; data = [];
        return;
      }
      if (text[0] === ":") return; // keep-alive comment
      var i = text.indexOf(":");
      var field = i < 0 ? text : text.slice(0, i);
      var value = i < 0 ? "" : text.slice(i + 1).replace(/^ /, "");
      if (field === "event") type = value;
      else if (field === "data") data.push(value);
    }
    for (;;) {
      var chunk = await reader.read();
      buffer += chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true });
      var m;
      // a "\r" at the very end may be half of "\r\n": leave it for the next chunk
      while ((m = /\r\n|\r(?!$)|\n/.exec(buffer))) {
        line(buffer.slice(0, m.index));
        buffer = buffer.slice(m.index + m[0].length);
      }
      if (chunk.done) { if (buffer) line(buffer.replace(/\r$/, "")); line(""); return; }
    }
  }

  class StoreChatWidget extends HTMLElement {
    constructor() {
      super();
      this.conversationId = null;
      this.history = [];
      this.waiting = []; // questions sent while an answer is coming, answered in order
      this.answering = false;
      var root = this.attachShadow({ mode: "open" });
      var style = el("style");
      // the accent goes into the shadow style sheet: a custom element may not set its own attributes here
      style.textContent = ":host { --accent: " + CONFIG.accent + "; }\n" + CSS;
      var title = CONFIG.storeName + " assistant";

      this.panel = el("section", "panel");
      this.panel.hidden = true;
      this.panel.setAttribute("role", "dialog");
      this.panel.setAttribute("aria-label", title);
      var header = el("header");
      header.appendChild(el("span", "title", title));
      var actions = el("div", "header-actions");
      var restart = el("button", "new-chat", "New chat");
      restart.type = "button";
      restart.setAttribute("aria-label", "Start a new chat");
      var close = el("button", "close", "×");
      close.type = "button";
      close.setAttribute("aria-label", "Close chat");
      actions.appendChild(restart);
      actions.appendChild(close);
      header.appendChild(actions);
      this.log = el("div", "log");
      this.log.setAttribute("role", "log");
      this.log.setAttribute("aria-live", "polite");
      this.log.setAttribute("aria-label", "Conversation");
      this.log.tabIndex = 0; // a scrolling region keyboard users can scroll
      this.form = el("form");
      this.input = el("input");
      this.input.type = "text";
      this.input.maxLength = 2000;
      this.input.placeholder = "Ask about products, shipping, returns…";
      this.input.setAttribute("aria-label", "Your question");
      this.send = el("button", "send", "Send");
      this.send.type = "submit";
      this.form.appendChild(this.input);
      this.form.appendChild(this.send);
      this.panel.appendChild(header);
      this.panel.appendChild(this.log);
      this.panel.appendChild(this.form);

      this.launcher = el("button", "launcher");
      this.launcher.type = "button";
      this.launcher.innerHTML = ICON; // a constant, not server text
      this.launcher.setAttribute("aria-label", "Chat with " + CONFIG.storeName);
      this.launcher.setAttribute("aria-expanded", "false");

      root.appendChild(style);
      root.appendChild(this.panel);
      root.appendChild(this.launcher);

      var self = this;
      this.launcher.addEventListener("click", function () { self.toggle(); });
      close.addEventListener("click", function () { self.toggle(false); });
      restart.addEventListener("click", function () { self.restart(); });
      // Esc closes the panel from anywhere in it, also after a click on its text left focus on the page itself
      document.addEventListener("keydown", function (e) {
        if (e.key !== "Escape" || self.panel.hidden) return;
        var inside = e.composedPath().indexOf(self) >= 0;
        if (inside || document.activeElement === document.body || document.activeElement === null) self.toggle(false);
      });
      this.form.addEventListener("submit", function (e) {
        e.preventDefault();
        var text = self.input.value.trim();
        if (text) { self.input.value = ""; self.queue(text); }
      });
      this.greet();
      this.lastSeq = 0;
      this.poller = null;
      this.resume();
    }

    greet() {
      var bubble = this.say("Hi! Ask me about " + CONFIG.storeName + "'s products, shipping, returns and other policies.");
      bubble.classList.add("greeting");
      this.offerExamples(bubble);
    }

    // Example questions under the greeting, from the store's own FAQ; a click asks one.
    async offerExamples(bubble) {
      var examples = [];
      try {
        var res = await fetch(API + "/api/examples");
        if (res.ok) examples = (await res.json()).examples || [];
      } catch (e) { return; } // the greeting alone is still a greeting
      if (!examples.length || !bubble.isConnected) return;
      var self = this;
      var row = el("div", "examples");
      row.setAttribute("role", "group");
      row.setAttribute("aria-label", "Example questions");
      examples.slice(0, 3).forEach(function (question) {
        var b = el("button", null, question);
        b.type = "button";
        b.addEventListener("click", function () { self.queue(question); });
        row.appendChild(b);
      });
      bubble.appendChild(row);
    }

    remember(conversationId) {
      this.conversationId = conversationId;
      try { localStorage.setItem(SAVED, conversationId); } catch (e) { /* storage off: this visit only */ }
    }

    restart() {
      this.stopPolling();
      if (this.conversationId) {  // an open ticket is closed: the team's reply would no longer reach this chat
        postJSON("/api/conversations/" + encodeURIComponent(this.conversationId) + "/leave", {}).catch(function () {});
      }
      this.conversationId = null;
      this.history = [];
      this.waiting = []; // questions of the old conversation are not asked in the new one
      this.lastSeq = 0;
      this.focusProduct = null;
      try { localStorage.removeItem(SAVED); } catch (e) { /* nothing kept */ }
      this.log.textContent = "";
      this.greet();
      this.input.focus();
    }

    // A returning shopper: show the conversation so far, with any reply the team sent meanwhile.
    async resume() {
      var saved = null;
      try { saved = localStorage.getItem(SAVED); } catch (e) { return; }
      if (!saved) return;
      try {
        var res = await fetch(API + "/api/conversations/" + encodeURIComponent(saved));
        if (res.status === 404) { localStorage.removeItem(SAVED); return; }
        if (!res.ok) return;
        var data = await res.json();
        this.conversationId = saved;
        var self = this;
        data.transcript.slice(-30).forEach(function (t) {
          if (t.role === "agent") self.showStaff(t);
          else if (t.role === "user") {
            self.say(t.text, "user");
            self.history.push({ role: "user", content: t.text });
          } else {
            self.showRestored(t);
          }
        });
        if (data.ticket && data.ticket.status === "open") this.startPolling();
      } catch (e) { /* the server is away: start fresh */ }
    }

    showStaff(m) {
      if (m.seq > this.lastSeq) this.lastSeq = m.seq;
      if (m.kind === "reply") {
        var bubble = el("div", "msg agent");
        bubble.appendChild(el("span", "who", m.author + " · " + CONFIG.storeName + " team"));
        bubble.appendChild(el("div", "text", m.text));
        this.log.appendChild(bubble);
        this.history.push({ role: "assistant", content: m.text });
      } else {
        this.say(m.text, "status");
      }
      if (this.panel.hidden) this.markUnread(true);
      this.scroll();
    }

    markUnread(on) {
      this.unread = on;
      var badge = this.launcher.querySelector(".badge");
      if (on && !badge) this.launcher.appendChild(el("span", "badge"));
      if (!on && badge) badge.remove();
      this.launcher.setAttribute("aria-label", "Chat with " + CONFIG.storeName + (on ? " (new message)" : ""));
    }

    startPolling() {
      if (this.poller || this.conversationId == null) return;
      var self = this;
      var busy = false;
      this.poller = setInterval(async function () {
        if (busy) return;
        busy = true;
        try {
          var res = await fetch(API + "/api/conversations/" + encodeURIComponent(self.conversationId) +
            "/updates?after=" + self.lastSeq);
          if (res.ok) {
            var data = await res.json();
            data.messages.forEach(function (m) { if (m.seq > self.lastSeq) self.showStaff(m); });
            if (!data.ticket || data.ticket.status !== "open") self.stopPolling();
          } else if (res.status === 404) {
            self.stopPolling();
          }
        } catch (e) { /* offline for a moment: the next tick tries again */ }
        busy = false;
      }, POLL_MS);
    }

    stopPolling() {
      if (this.poller) clearInterval(this.poller);
      this.poller = null;
    }

    toggle(open) {
      open = open === undefined ? this.panel.hidden : open;
      this.panel.hidden = !open;
      this.launcher.setAttribute("aria-expanded", String(open));
      if (open) { this.markUnread(false); this.scroll(); this.input.focus(); } else this.launcher.focus();
    }

    say(text, className) {
      var bubble = el("div", "msg " + (className || "bot"));
      bubble.appendChild(el("div", "text", text));
      this.log.appendChild(bubble);
      this.scroll();
      return bubble;
    }

    // To the end of the conversation, except that the latest answer, while it is the last message, keeps its
    // first line in view: a long answer is read from its start.
    scroll() {
      var end = this.log.scrollHeight - this.log.clientHeight;
      var answer = this.latestAnswer;
      if (answer && answer === this.log.lastElementChild) {
        var start = answer.getBoundingClientRect().top - this.log.getBoundingClientRect().top + this.log.scrollTop;
        end = Math.min(end, start - 8);
      }
      this.log.scrollTop = Math.max(0, end);
    }

    // An answer from an earlier visit, shown as it was: text, cards and sources, without rating or hand-off.
    showRestored(t) {
      var sources = t.citations || [];
      // "[1]" markers point at the sources; an answer stored without them would keep markers to nothing
      var text = sources.length ? t.text : t.text.replace(/\s*\[\d+(?:\s*,\s*\d+)*\]/g, "");
      var bubble = this.say(text, "bot");
      this.latestAnswer = bubble;
      if (t.products && t.products.length) this.showCards(bubble, t.products);
      this.showSources(bubble, sources);
      var turn = { role: "assistant", content: t.text };
      if (t.products && t.products.length) turn.products = t.products.map(function (p) { return p.id; });
      this.history.push(turn);
    }

    // A question sent while another is answered waits its turn: shown at once, answered in order.
    queue(question) {
      this.say(question, "user");
      this.waiting.push(question);
      if (!this.answering) this.answerWaiting();
    }

    async answerWaiting() {
      this.answering = true;
      while (this.waiting.length) await this.ask(this.waiting.shift());
      this.answering = false;
    }

    async ask(question) {
      var bubble = this.say("", "bot pending");
      this.latestAnswer = bubble;
      var textNode = bubble.querySelector(".text");
      var answered = false;
      try {
        var res = await fetch(API + "/api/chat", {
          method: "POST",
          headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
          body: JSON.stringify(Object.assign({
            message: question, conversation_id: this.conversationId,
            product_id: this.focusProduct || CONFIG.productId,
            history: this.history.slice(-MAX_HISTORY), channel: "widget",
          }, CONFIG.customerEmail && CONFIG.customerHash
            ? { customer_email: CONFIG.customerEmail, customer_hash: CONFIG.customerHash } : {})),
        });
        if (!res.ok) {
          var problem = null;
          try { problem = (await res.json()).error; } catch (e) { /* not JSON */ }
          throw new Error(problem || "The assistant answered " + res.status + ".");
        }
        var self = this;
        await readEvents(res, function (type, data) {
          var payload = JSON.parse(data);
          if (type === "token") {
            textNode.textContent += payload.text;
            self.scroll();
          } else if (type === "answer") {
            answered = true;
            self.showAnswer(bubble, question, payload);
          } else if (type === "error") {
            throw new Error(payload.error);
          }
        });
        if (!answered) throw new Error("The answer was cut off. Please try again.");
      } catch (err) {
        bubble.remove();
        // a TypeError from fetch means no readable reply at all: network down, or this site is not allowed
        var message = err instanceof TypeError
          ? "Sorry, the assistant can't be reached from this page right now."
          : err.message;
        this.say(message, "error").setAttribute("role", "alert");
      } finally {
        bubble.classList.remove("pending");
        this.input.focus();
      }
    }

    showAnswer(bubble, question, answer) {
      if (!bubble.isConnected) return; // "New chat" was pressed meanwhile: this answer belongs to the old one
      if (answer.conversation_id != null) this.remember(answer.conversation_id);
      if (answer.reason === "with_person") { // a person has the chat: a status line, not a bot answer
        bubble.className = "msg status";
        bubble.querySelector(".text").textContent = answer.answer;
        this.history.push({ role: "user", content: question });
        this.startPolling();
        return;
      }
      bubble.querySelector(".text").textContent = answer.answer; // the verified text is authoritative
      this.history.push({ role: "user", content: question });
      var turn = { role: "assistant", content: answer.answer };
      if (answer.product_id) turn.product_id = answer.product_id;
      if (answer.products && answer.products.length) {
        turn.products = answer.products.map(function (p) { return p.id; });
        this.showCards(bubble, answer.products);
      }
      this.history.push(turn);

      this.showSources(bubble, answer.citations || []);
      if (answer.handoff || answer.abstained) this.offerPerson(bubble, answer);
      else if (answer.message_id != null) this.offerRating(bubble, answer.message_id);
      this.scroll();
    }

    showSources(bubble, citations) {
      if (!citations.length) return;
      bubble.appendChild(el("div", "sources-label", "Sources"));
      var list = el("ol", "sources");
      citations.forEach(function (c) {
        var item = el("li");
        var href = c.url ? safeHref(c.url) : null;
        if (href) {
          var link = el("a", null, c.title);
          link.href = href; link.target = "_blank"; link.rel = "noopener noreferrer";
          item.appendChild(link);
        } else {
          item.textContent = c.title;
        }
        list.appendChild(item);
      });
      bubble.appendChild(list);
    }

    // Product cards: name, price, rating, and a way to ask about that product (its page, when the store has one).
    showCards(bubble, products) {
      var self = this;
      var row = el("div", "cards");
      products.forEach(function (p) {
        var card = el("div", "card");
        card.appendChild(el("span", "name", p.name));
        var price = p.price != null ? "$" + Number(p.price).toFixed(2) : "";
        if (price && p.price_max != null) price += "-$" + Number(p.price_max).toFixed(2);  // variants differ
        else if (price && p.compare_at_price != null) price += ", was $" + Number(p.compare_at_price).toFixed(2);
        var meta = price +
          (p.rating != null ? " · ★ " + Number(p.rating).toFixed(1) + " (" + p.reviews + ")" : "");
        card.appendChild(el("span", "meta", meta));
        var href = p.url ? safeHref(p.url) : null;
        if (href) {
          var link = el("a", null, "View product");
          link.href = href; link.target = "_blank"; link.rel = "noopener noreferrer";
          card.appendChild(link);
        } else {
          var ask = el("button", null, "Ask about this");
          ask.type = "button";
          ask.setAttribute("aria-label", "Ask about " + p.name);
          ask.addEventListener("click", function () {
            self.focusProduct = p.id;
            self.say("Now asking about the " + p.name + ".", "status");
            self.input.focus();
          });
          card.appendChild(ask);
        }
        row.appendChild(card);
      });
      bubble.appendChild(row);
    }

    offerPerson(bubble, answer) {
      var box = el("div", "handoff");
      if (answer.ticket_id != null) {
        box.textContent = "We've passed your conversation to our team (ticket " + (answer.ticket_ref || answer.ticket_id) +
          "). A person will reply here.";
        bubble.appendChild(box);
        this.startPolling();
        return;
      }
      box.appendChild(el("div", null, "I couldn't answer this from our store information. A person from our team can help."));
      var button = el("button", null, "Talk to a person");
      button.type = "button";
      var self = this;
      button.addEventListener("click", async function () {
        button.disabled = true;
        try {
          if (self.conversationId == null) throw new Error("Please ask your question first.");
          var data = await postJSON("/api/handoff", { conversation_id: self.conversationId });
          box.textContent = "Thanks! We've passed your conversation to our team (ticket " + (data.ticket_ref || data.ticket_id) +
            "). A person will reply here.";
          self.startPolling();
        } catch (err) {
          button.disabled = false;
          self.say(err instanceof TypeError ? "Sorry, that didn't go through. Please try again." : err.message,
            "error");
        }
        self.scroll();
      });
      box.appendChild(button);
      bubble.appendChild(box);
    }

    offerRating(bubble, messageId) {
      var row = el("div", "rate");
      // words, not emoji: a shop's visitors may lack an emoji font, and words need no guessing
      [["up", "Helpful"], ["down", "Not helpful"]].forEach(function (r) {
        var b = el("button", null, r[1]);
        b.type = "button";
        b.addEventListener("click", function () {
          row.textContent = "Thanks for the feedback!";
          postJSON("/api/feedback", { message_id: messageId, rating: r[0] }).catch(function () { /* best effort */ });
        });
        row.appendChild(b);
      });
      bubble.appendChild(row);
    }
  }

  customElements.define(TAG, StoreChatWidget);
  function mount() { document.body.appendChild(document.createElement(TAG)); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();

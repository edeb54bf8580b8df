/*
 * The shopper chat's scrolling (Gradio's own autoscroll is off): a new answer is followed while it grows, but
 * its first line never leaves the top of the chat, nor hides under the chat's floating label, so a shopper
 * reads a long answer from its start. A question just sent is shown at the bottom. Scrolling the chat by hand
 * (wheel, touch, keys) stops the following until the next message arrives.
 */
() => {
  let following = false;
  let rowsSeen = 0;

  function place() {
    const wrap = document.querySelector("#shopper-chat .bubble-wrap");
    if (!wrap) return;
    const rows = wrap.querySelectorAll(".message-row");
    if (rows.length !== rowsSeen) {
      following = rows.length > rowsSeen; // a new message; fewer rows means a cleared chat
      rowsSeen = rows.length;
    }
    if (!following || !rows.length) return;
    const last = rows[rows.length - 1];
    const end = wrap.scrollHeight - wrap.clientHeight;
    if (!last.classList.contains("bot-row")) {
      wrap.scrollTop = end;
      return;
    }
    const top = wrap.getBoundingClientRect().top;
    const label = document.querySelector("#shopper-chat label.float");
    const covered = label ? Math.max(0, label.getBoundingClientRect().bottom - top) : 0;
    const start = last.getBoundingClientRect().top - top + wrap.scrollTop;
    wrap.scrollTop = Math.max(0, Math.min(end, start - covered - 8));
  }

  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; place(); });
  }).observe(document.body, { subtree: true, childList: true, characterData: true });

  const byHand = (event) => {
    if (event.target.closest && event.target.closest("#shopper-chat .bubble-wrap")) following = false;
  };
  for (const type of ["wheel", "touchmove", "keydown"]) {
    document.addEventListener(type, byHand, { capture: true, passive: true });
  }
}

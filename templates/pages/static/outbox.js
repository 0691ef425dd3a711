/* The development outbox: GET /api/v1/outbox (marketing/admin), newest first. Nothing listed was sent. */
"use strict";

(() => {
  const { t, api, el, show, showError, busy, formatTime } = App;
  const $ = (id) => document.getElementById(id);

  const URL_PATTERN = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)])/;

  /** The whole text, its links clickable (they open the member's page, the unsubscribe page, ...). */
  function messageText(text) {
    const parts = String(text || "").split(URL_PATTERN);
    return el("div", { class: "message-text" }, ...parts.map((part, i) => (i % 2
      ? el("a", { href: part, target: "_blank", rel: "noopener", text: part }) : part)));
  }

  async function load(button) {
    const box = $("outbox-result");
    const table = $("outbox-table");
    await busy(button, async () => {
      let listing;
      try { listing = await api.get("/outbox"); } catch (err) { showError(box, err); return; }
      $("outbox-dir").textContent = listing.directory;  // a server path: only for signed-in marketing
      if (!listing.entries.length) { show(box, "info", t("outbox.empty")); table.hidden = true; return; }
      box.replaceChildren();
      table.tBodies[0].replaceChildren(...listing.entries.map((m) => el("tr", { class: m.test ? "test" : null },
        el("td", {}, el("code", { text: m.file }), m.test ? el("span", { class: "badge test", text: t("outbox.test") }) : null),
        el("td", {}, el("time", { datetime: m.time, text: formatTime(m.time) })),
        el("td", { text: m.channel === "email" ? t("camp.channel.email") : t("camp.channel.sms") }),
        el("td", { text: m.to }),
        el("td", {}, m.subject ? el("strong", { text: m.subject }) : null, messageText(m.text || m.preview)))));
      table.hidden = false;
    });
  }

  $("outbox-refresh").addEventListener("click", (event) => load(event.target));
  App.gate().then((me) => { if (me) load(null); });
})();

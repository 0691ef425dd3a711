/* Marketing: the holiday calendar, creating a holiday campaign, the campaign list with preview and results. */
"use strict";

(() => {
  const { t, LANG, api, el, show, showError, busy, formatDate, formatTime } = App;
  const $ = (id) => document.getElementById(id);
  const SESSION_KEY = "loyalty.campaigns";
  const LABELS = {
    audience: "camp.audience", audience_size: "camp.audience", cost: "camp.cost", estimated_cost: "camp.cost",
    samples: "camp.samples", sample_messages: "camp.samples", encoding: "camp.encoding", segments: "camp.segments",
    targeted: "camp.stats.targeted", coupons: "camp.stats.coupons", sent: "camp.stats.sent",
    delivered: "camp.stats.delivered", failed: "camp.stats.failed", redeemed: "camp.stats.redeemed",
    status: "camp.status", scheduled_for: "camp.scheduled_for",
  };
  const label = (key) => (LABELS[key] ? t(LABELS[key]) : key.replaceAll("_", " "));

  /** Any JSON answer as nested definition lists, with known keys in the page language. */
  function describe(value) {
    if (value == null) return el("span", { text: "—" });
    if (Array.isArray(value)) {
      return value.length ? el("ul", { class: "plain" }, value.map((item) => el("li", {}, describe(item))))
        : el("span", { text: t("common.none") });
    }
    if (typeof value === "object") {
      return el("dl", { class: "facts" }, Object.entries(value).flatMap(([key, inner]) => [
        el("dt", { text: label(key) }), el("dd", {}, describe(inner))]));
    }
    if (typeof value === "boolean") return el("span", { text: t(value ? "common.yes" : "common.no") });
    const text = String(value);
    return text.includes("\n") ? el("pre", { text }) : el("span", { text });
  }

  // ---- holiday calendar
  let holidays = [];

  function fillHolidaySelect() {
    const select = $("camp-holiday");
    const keep = select.value;
    select.replaceChildren(el("option", { value: "", text: holidays.length ? "—" : t("camp.holiday_hint") }));
    const seen = new Set();
    for (const h of holidays) {
      if (seen.has(h.key)) continue;
      seen.add(h.key);
      select.append(el("option", { value: h.key, text: `${h.name} (${formatDate(h.date)})` }));
    }
    if (keep && seen.has(keep)) select.value = keep;
  }

  function plan(holiday) {
    $("camp-holiday").value = holiday.key;
    if (!$("camp-name").value) $("camp-name").value = holiday.name;
    $("camp-year").value = String(holiday.date).slice(0, 4);
    $("camp-name").focus();
  }

  async function loadCalendar(button) {
    const year = $("cal-year").value;
    const box = $("cal-result");
    await busy(button, async () => {
      try {
        holidays = await api.get(`/holidays?year=${encodeURIComponent(year)}&lang=${LANG}`);
      } catch (err) { showError(box, err); return; }
      box.replaceChildren();
      const table = $("cal-table");
      const rows = holidays.map((h) => el("tr", { "data-key": h.key },
        el("td", {}, el("time", { datetime: h.date, text: formatDate(h.date) })),
        el("td", { text: h.name + (h.estimated ? ` (${t("cal.estimated")})` : "") }),
        el("td", { text: String(h.days || 1) }),
        el("td", { text: t("cal.kind." + h.kind) }),
        el("td", {}, el("button", { type: "button", class: "small", "aria-label": `${t("cal.plan")}: ${h.name}`, onclick: () => plan(h) }, t("cal.plan")))));
      table.tBodies[0].replaceChildren(...rows);
      table.hidden = false;
      fillHolidaySelect();
    });
  }
  $("cal-form").addEventListener("submit", (event) => { event.preventDefault(); loadCalendar(event.submitter); });

  // ---- creating a campaign
  $("camp-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const box = $("camp-result");
    const trigger = {
      type: "holiday", holiday_key: form.holiday_key.value,
      days_before: Number(form.days_before.value), send_time: form.send_time.value,
    };
    if (form.repeat.value === "once") trigger.year = Number(form.year.value);
    const offer = { kind: form.offer_kind.value, value: form.offer_value.value, valid_days: Number(form.valid_days.value) };
    if (form.min_purchase.value) offer.min_purchase = form.min_purchase.value;
    const payload = {
      name: form.name.value.trim(), trigger, offer, channel: form.channel.value,
      audience: form.card_holders_only.checked ? { card_holders_only: true } : {},
    };
    await busy(event.submitter, async () => {
      try {
        const { data } = await api.post("/campaigns", payload);
        remember(data.id);
        const when = data.scheduled_for ? `${t("camp.scheduled_for")}: ${formatTime(data.scheduled_for)}` : "";
        show(box, "ok", `${t("camp.created")} ${data.name || payload.name}. ${when}`);
        await loadCampaigns();
      } catch (err) { showError(box, err); }
    });
  });

  // ---- the campaign list, preview, results
  function remembered() {
    try { return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "[]"); } catch (err) { return []; }
  }
  function remember(id) {
    const ids = remembered();
    if (id != null && !ids.includes(id)) sessionStorage.setItem(SESSION_KEY, JSON.stringify([...ids, id]));
  }

  function campaignItem(c) {
    const details = el("div", { class: "details", role: "status", "aria-live": "polite" });
    const act = (labelKey, work) => el("button", { type: "button", class: "small", onclick: async (event) => {
      await busy(event.target, async () => {
        try { details.replaceChildren(el("h4", { text: t(labelKey) }), describe(await work())); } catch (err) { showError(details, err); }
      });
    } }, t(labelKey));
    const when = c.scheduled_for ? ` · ${t("camp.scheduled_for")}: ${formatTime(c.scheduled_for)}` : "";
    return el("li", { "data-id": c.id },
      el("p", {}, el("strong", { text: c.name }), ` · ${t("camp.status")}: ${c.status || ""}${when}`),
      el("div", { class: "row" },
        act("camp.preview", async () => (await api.post(`/campaigns/${c.id}/preview`, {})).data),
        act("camp.results", () => api.get(`/campaigns/${c.id}`)),
        act("camp.cancel", async () => (await api.post(`/campaigns/${c.id}/cancel`, {})).data)),
      details);
  }

  async function loadCampaigns() {
    const box = $("camp-list-result");
    const list = $("camp-list");
    let campaigns;
    try {
      const data = await api.get("/campaigns");
      campaigns = Array.isArray(data) ? data : data.items || data.campaigns || [];
      box.replaceChildren();
    } catch (err) {
      if (![404, 405].includes(err.status)) { showError(box, err); return; }
      show(box, "info", t("camp.list_unavailable"));
      campaigns = [];
      for (const id of remembered()) {
        try { campaigns.push(await api.get(`/campaigns/${id}`)); } catch (inner) { /* gone: skip */ }
      }
    }
    list.replaceChildren(...campaigns.map(campaignItem));
    if (!campaigns.length) list.append(el("li", { text: t("camp.none") }));
  }
  $("camp-refresh").addEventListener("click", loadCampaigns);

  App.gate().then((me) => {
    if (!me) return;
    loadCalendar(null);
    loadCampaigns();
  });
})();

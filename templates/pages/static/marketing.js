/* Marketing: the holiday calendar, creating a holiday campaign, the campaign list with preview and results. */
"use strict";

(() => {
  const { t, LANG, api, el, show, showError, busy, formatDate, formatTime, formatMoney, formatPercent, stateName } = App;
  const $ = (id) => document.getElementById(id);
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
        const when = data.scheduled_for
          ? `${t("camp.scheduled_for")}: ${formatTime(data.scheduled_for)} (${data.timezone})` : "";
        show(box, "ok", `${t("camp.created")} ${data.name}. ${when}`);
        await loadCampaigns();
      } catch (err) { showError(box, err); }
    });
  });

  // ---- the campaign list, preview, results
  const facts = (pairs) => el("dl", { class: "facts" }, pairs.filter(([, v]) => v != null && v !== "")
    .flatMap(([k, v]) => [el("dt", { text: k }), el("dd", {}, v instanceof Node ? v : String(v))]));
  const table = (head, rows) => el("div", { class: "scroll" }, el("table", {},
    el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, rows.map((r) => el("tr", {}, r.map((cell) => el("td", { text: cell == null ? "" : String(cell) })))))));
  const channelName = (ch) => t("camp.channel." + ch);

  function renderPreview(p) {
    const cost = p.estimated_cost || {};
    const samples = (p.samples || []).map((m) => el("article", { class: "sample" },
      el("h5", { text: `${channelName(m.channel)} · ${t("lang." + m.locale)}` }),
      m.subject ? el("p", {}, el("strong", { text: `${t("camp.subject")}: ` }), m.subject) : null,
      el("pre", { text: m.text }),
      m.channel === "sms" ? facts([[t("camp.encoding"), m.encoding], [t("camp.segments"), m.segments],
        [t("camp.length"), m.length], [t("camp.forced_by"), m.forced_by]]) : null));
    return el("div", {},
      p.scheduled_for ? el("p", { text: `${t("camp.scheduled_for")}: ${formatTime(p.scheduled_for)}` }) : null,
      el("h5", { text: t("camp.audience") }),
      facts([[t("camp.total"), p.audience.total], [channelName("sms"), p.audience.sms], [channelName("email"), p.audience.email]]),
      el("h5", { text: t("camp.cost") }),
      facts([[t("camp.sms_messages"), cost.sms_messages], [t("camp.segments"), cost.sms_segments],
        [t("camp.emails"), cost.emails], [t("camp.total"), cost.total != null ? formatMoney(cost.total) : null]]),
      el("h5", { text: t("camp.samples") }), samples.length ? samples : el("p", { text: t("common.none") }));
  }

  function renderResults(d) {
    const s = d.stats || {};
    const stat = (key) => [t("camp.stats." + key), s[key]];
    return el("div", {},
      facts([[t("camp.status"), stateName(d.status)], [t("camp.scheduled_for"), formatTime(d.scheduled_for)],
        stat("targeted"), stat("coupons"), stat("sent"), stat("delivered"), stat("failed"), stat("redeemed"),
        [t("camp.redemption_rate"), formatPercent(s.redemption_rate)],
        [t("camp.revenue"), s.revenue != null ? formatMoney(s.revenue) : null]]),
      (d.runs || []).length ? el("h5", { text: t("camp.runs") }) : null,
      (d.runs || []).length ? table([t("camp.run"), t("camp.status"), t("cal.date"), t("camp.send_time")],
        d.runs.map((r) => [r.run_key, stateName(r.status), formatDate(r.send_date), r.send_time])) : null,
      (s.per_day || []).length ? el("h5", { text: t("camp.per_day") }) : null,
      (s.per_day || []).length ? table([t("camp.day"), t("camp.stats.coupons"), t("camp.stats.sent"), t("camp.stats.delivered"), t("camp.stats.failed"), t("camp.stats.redeemed")],
        s.per_day.map((r) => [formatDate(r.day), r.coupons, r.sent, r.delivered, r.failed, r.redeemed])) : null);
  }

  function campaignItem(c) {
    const details = el("div", { class: "details", role: "status", "aria-live": "polite" });
    const act = (labelKey, work) => el("button", { type: "button", class: "small", onclick: async (event) => {
      await busy(event.target, async () => {
        try { details.replaceChildren(el("h4", { text: t(labelKey) }), await work()); } catch (err) { showError(details, err); }
      });
    } }, t(labelKey));
    const when = c.scheduled_for ? ` · ${t("camp.scheduled_for")}: ${formatTime(c.scheduled_for)}` : "";
    const status = el("span", { class: "status", text: stateName(c.status) });
    return el("li", { "data-id": c.id, "data-scheduled-local": c.scheduled_local },
      el("p", {}, el("strong", { text: c.name }), ` · ${t("camp.status")}: `, status, when),
      el("div", { class: "row" },
        act("camp.preview", async () => renderPreview((await api.post(`/campaigns/${c.id}/preview`, {})).data)),
        act("camp.results", async () => renderResults(await api.get(`/campaigns/${c.id}`))),
        act("camp.cancel", async () => {
          const { data } = await api.post(`/campaigns/${c.id}/cancel`, {});
          status.textContent = stateName(data.status);
          return el("p", { text: t("camp.cancelled") });
        })),
      details);
  }

  async function loadCampaigns() {
    const box = $("camp-list-result");
    const list = $("camp-list");
    let campaigns;
    try {
      campaigns = await api.get("/campaigns");
      box.replaceChildren();
    } catch (err) { showError(box, err); return; }
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

/* Marketing: the holiday calendar; a campaign drafted from any trigger and audience (saved segments, a live
   count); its life (preview, test send, overlaps before scheduling, cancel, both confirmed); results as
   charts, a CSV and year over year. NPS and the detractors' follow-up: marketing_nps.js. */
"use strict";

(() => {
  const { t, LANG, api, el, show, showError, busy, formatDate, formatTime, formatMoney, formatPercent, stateName,
    parseAmount, readAmount, formatAmount, download, chartImage, facts, table } = App;
  const $ = (id) => document.getElementById(id);
  const form = $("camp-form");

  // ---- small helpers: a confirm dialog, server-drawn SVG charts and downloads (both need the token)
  function confirmDialog(title, body, okText) {
    const dialog = $("confirm");
    $("confirm-title").textContent = title;
    $("confirm-body").replaceChildren(...[].concat(body || []));
    $("confirm-ok").textContent = okText;
    dialog.returnValue = "";
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
      dialog.showModal();
      $("confirm-cancel").focus();
    });
  }

  const channelName = (ch) => t("camp.channel." + ch);

  // ---- holiday calendar
  let holidays = [];
  const holidayName = (key) => (holidays.find((h) => h.key === key) || {}).name || key;

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
    form.querySelector("input[name=trigger_type][value=holiday]").checked = true;
    showTrigger();
    $("camp-holiday").value = holiday.key;
    if (!$("camp-name").value) $("camp-name").value = holiday.name;
    $("camp-year").value = String(holiday.date).slice(0, 4);
    $("camp-once").checked = true; // planned from one row of the calendar: that year's holiday, not every year
    $("camp-name").focus();
  }

  let calendarAsked = 0; // the latest request: an earlier answer arriving after it is dropped

  /** ``upcoming``: the next 12 months from today (the page opens on them); else the year typed. */
  async function loadCalendar(button, { upcoming = false } = {}) {
    const year = Number($("cal-year").value);
    const box = $("cal-result");
    const asked = ++calendarAsked;
    await busy(button, async () => {
      let found;
      try {
        if (upcoming) {
          const today = new Intl.DateTimeFormat("en-CA", { timeZone: App.TZ }).format(new Date()); // YYYY-MM-DD, shop's zone
          const end = `${Number(today.slice(0, 4)) + 1}${today.slice(4)}`;
          const [first, second] = await Promise.all([year, year + 1].map((y) => api.get(`/holidays?year=${y}&lang=${LANG}`)));
          found = [...first, ...second].filter((h) => h.date >= today && h.date < end);
        } else {
          found = await api.get(`/holidays?year=${encodeURIComponent(year)}&lang=${LANG}`);
        }
      } catch (err) {
        if (asked === calendarAsked) showError(box, err);
        return;
      }
      // the page's first load (the next 12 months) can answer after the year the marketer asked for
      if (asked !== calendarAsked) return;
      holidays = found;
      $("cal-caption").textContent = upcoming ? t("cal.upcoming") : t("cal.year_caption", { year });
      box.replaceChildren();
      const calendar = $("cal-table");
      const rows = holidays.map((h) => el("tr", { "data-key": h.key },
        el("td", {}, el("time", { datetime: h.date, text: formatDate(h.date) })),
        el("td", { text: h.name + (h.estimated ? ` (${t("cal.estimated")})` : "") }),
        el("td", { text: String(h.days || 1) }),
        el("td", { text: t("cal.kind." + h.kind) }),
        el("td", {}, el("button", { type: "button", class: "small", "aria-label": `${t("cal.plan")}: ${h.name}`, onclick: () => plan(h) }, t("cal.plan")))));
      calendar.tBodies[0].replaceChildren(...rows);
      calendar.hidden = false;
      fillHolidaySelect();
    });
  }
  $("cal-form").addEventListener("submit", (event) => { event.preventDefault(); loadCalendar(event.submitter); });

  // ---- the trigger: holiday, date or the member's own occasion
  const triggerType = () => form.querySelector("input[name=trigger_type]:checked").value;
  function showTrigger() {
    const type = triggerType();
    for (const group of form.querySelectorAll("[data-trigger]")) {
      group.hidden = !group.dataset.trigger.split(" ").includes(type);
    }
    form.querySelector("[data-days-label]").textContent = t(type === "occasion" ? "mk.days_before_occasion" : "camp.days_before");
    refreshCount();
  }
  for (const radio of form.querySelectorAll("input[name=trigger_type]")) radio.addEventListener("change", showTrigger);

  // ---- the audience: filters, a live count, saved segments
  const numberFields = ["store_id", "recency_days", "min_purchases", "window_days"];
  function filterValue() {
    const f = {};
    if (form.card_holders_only.checked) f.card_holders_only = true;
    for (const name of numberFields) if (form[name].value !== "") f[name] = Number(form[name].value);
    const spend = parseAmount(form.min_spend.value);
    if (spend) f.min_spend = spend;
    if (form.lapsed_on.checked && form.lapsed_days.value !== "") f.lapsed_days = Number(form.lapsed_days.value);
    const locales = ["tr", "en"].filter((code) => form["locale_" + code].checked);
    if (locales.length) f.locales = locales;
    if (f.window_days === 365 || (f.min_purchases == null && f.min_spend == null)) delete f.window_days;
    return f;
  }
  function setFilter(f) {
    form.card_holders_only.checked = !!f.card_holders_only;
    for (const name of numberFields) form[name].value = f[name] != null ? f[name] : "";
    form.min_spend.value = formatAmount(f.min_spend);
    if (f.window_days == null) form.window_days.value = "365";
    form.lapsed_on.checked = f.lapsed_days != null;
    form.lapsed_days.disabled = !form.lapsed_on.checked;
    if (f.lapsed_days != null) form.lapsed_days.value = f.lapsed_days;
    for (const code of ["tr", "en"]) form["locale_" + code].checked = (f.locales || []).includes(code);
  }
  form.lapsed_on.addEventListener("change", () => { form.lapsed_days.disabled = !form.lapsed_on.checked; });

  let countTimer = null;
  let countSeq = 0;
  function refreshCount() {
    clearTimeout(countTimer);
    countTimer = setTimeout(async () => {
      const seq = ++countSeq;
      const out = $("audience-count");
      const spend = form.min_spend.value.trim();
      if (spend && !parseAmount(spend)) {  // never count with an amount the page cannot read for sure
        const reading = Money.read(spend, LANG);
        out.className = "count error";
        out.textContent = reading ? t("money.check", { text: spend }) : t("field.amount");
        delete out.dataset.total;
        return;
      }
      try {
        const c = (await api.post("/segments/count", { filter: filterValue(), channel: form.channel.value })).data;
        if (seq !== countSeq) return;
        out.className = "count";
        out.textContent = t("mk.count", { total: c.total, sms: c.sms, email: c.email }) +
          (triggerType() === "occasion" ? " " + t("mk.count.occasion") : "");
        out.dataset.total = String(c.total);
      } catch (err) {
        if (seq !== countSeq) return;
        out.className = "count error";
        out.textContent = App.detailText(err.detail) || String(err);
      }
    }, 250);
  }
  $("filters").addEventListener("input", refreshCount);
  $("filters").addEventListener("change", refreshCount);
  form.channel.addEventListener("change", refreshCount);

  let segments = [];
  const chosenSegment = () => segments.find((s) => String(s.id) === form.segment_id.value);
  function onSegmentChosen() {
    const segment = chosenSegment();
    $("seg-update").hidden = !segment;
    if (segment) {
      setFilter(segment.filter);
      form.segment_name.value = segment.name;
      show($("seg-result"), "info", t("mk.segment.locked"));
    } else {
      $("seg-result").replaceChildren();
      $("seg-result").className = "result";
    }
    refreshCount();
  }
  form.segment_id.addEventListener("change", onSegmentChosen);

  function segmentItem(s) {
    const box = el("div", { class: "result", role: "status", "aria-live": "polite" });
    return el("li", { "data-segment": s.id },
      el("p", {}, el("strong", { text: s.name }), " · ", t("mk.segment.members", { n: s.members.total }),
        s.campaigns.length ? ` · ${t("mk.segment.campaigns", { n: s.campaigns.length })}` : ""),
      el("p", { class: "hint", text: filterText(s.filter) }),
      el("div", { class: "row" },
        el("button", { type: "button", class: "small", "aria-label": `${t("mk.segment.use")}: ${s.name}`, onclick: () => {
          form.segment_id.value = String(s.id);
          onSegmentChosen();
          $("camp-name").focus();
        } }, t("mk.segment.use")),
        el("button", { type: "button", class: "small danger", "aria-label": `${t("mk.segment.delete")}: ${s.name}`, onclick: async (event) => {
          const ok = await confirmDialog(t("mk.segment.delete_q", { name: s.name }), el("p", { text: t("mk.segment.delete_body") }), t("mk.segment.delete"));
          if (!ok) return;
          await busy(event.target, async () => {
            try { await api.del(`/segments/${s.id}`); await loadSegments(); show($("seg-list-result"), "ok", t("mk.segment.deleted")); } catch (err) { showError(box, err); }
          });
        } }, t("mk.segment.delete"))),
      box);
  }

  function filterText(f) {
    const parts = [];
    if (f.card_holders_only) parts.push(t("camp.card_holders"));
    if (f.store_id != null) parts.push(`${t("mk.f.store")}: ${f.store_id}`);
    if (f.recency_days != null) parts.push(`${t("mk.f.recency")}: ${f.recency_days}`);
    if (f.min_purchases != null) parts.push(`${t("mk.f.purchases")}: ${f.min_purchases}`);
    if (f.min_spend != null) parts.push(`${t("mk.f.spend")}: ${formatMoney(f.min_spend)}`);
    if (f.lapsed_days != null) parts.push(`${t("mk.f.lapsed_days")}: ${f.lapsed_days}`);
    return parts.join(" · ") || t("common.none");
  }

  async function loadSegments() {
    try { segments = await api.get("/segments"); } catch (err) { showError($("seg-list-result"), err); return; }
    const keep = form.segment_id.value;
    form.segment_id.replaceChildren(el("option", { value: "", text: t("mk.segment.none") }),
      ...segments.map((s) => el("option", { value: String(s.id), text: `${s.name} (${t("mk.segment.members", { n: s.members.total })})` })));
    if (segments.some((s) => String(s.id) === keep)) form.segment_id.value = keep;
    $("seg-list").replaceChildren(...(segments.length ? segments.map(segmentItem) : [el("li", { text: t("mk.segments.none") })]));
    $("seg-update").hidden = !chosenSegment();
  }

  $("seg-save").addEventListener("click", async (event) => {
    const box = $("seg-result");
    const name = form.segment_name.value.trim();
    if (!name) { show(box, "error", t("mk.segment.name_needed")); form.segment_name.focus(); return; }
    if (!(await readAmount(form.min_spend, box, { required: false })).ok) return;
    await busy(event.target, async () => {
      try {
        const { data } = await api.post("/segments", { name, filter: filterValue() });
        await loadSegments();
        form.segment_id.value = String(data.id);
        $("seg-update").hidden = false;
        show(box, "ok", t("mk.segment.saved", { name: data.name }));
      } catch (err) { showError(box, err); }
    });
  });
  $("seg-update").addEventListener("click", async (event) => {
    const segment = chosenSegment();
    const box = $("seg-result");
    if (!segment) return;
    if (!(await readAmount(form.min_spend, box, { required: false })).ok) return;
    await busy(event.target, async () => {
      try {
        const { data } = await api.request("PATCH", `/segments/${segment.id}`, { json: { name: form.segment_name.value.trim() || segment.name, filter: filterValue() } });
        await loadSegments();
        show(box, "ok", t("mk.segment.updated", { name: data.name }));
      } catch (err) { showError(box, err); }
    });
  });

  // ---- drafting a campaign
  function invalid(input, key) {
    input.setAttribute("aria-invalid", "true");
    show($("camp-result"), "error", t(key));
    input.focus();
    return null;
  }
  async function buildPayload() {
    for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
    const name = form.name.value.trim();
    if (!name) return invalid(form.name, "mk.need.name");
    const type = triggerType();
    let trigger;
    if (type === "holiday") {
      if (!form.holiday_key.value) return invalid(form.holiday_key, "mk.need.holiday");
      trigger = { type, holiday_key: form.holiday_key.value, days_before: Number(form.days_before.value || 0), send_time: form.send_time.value };
      if (form.repeat.value === "once") trigger.year = Number(form.year.value);
    } else if (type === "date") {
      if (!form.send_at.value) return invalid(form.send_at, "mk.need.send_at");
      trigger = { type, send_at: form.send_at.value };
    } else {
      const kinds = [...form.querySelectorAll("input[name=kinds]:checked")].map((i) => i.value);
      if (!kinds.length) return invalid(form.querySelector("input[name=kinds]"), "mk.need.kinds");
      trigger = { type, kinds, days_before: Number(form.days_before.value || 0), send_time: form.send_time.value };
      if (form.for_whom.value) trigger.for_whom = [form.for_whom.value];
    }
    const box = $("camp-result");
    const value = await readAmount(form.offer_value, box);
    if (!value.ok) return null;
    const minimum = await readAmount(form.min_purchase, box, { required: false, allowZero: true });
    if (!minimum.ok) return null;
    if (!form.segment_id.value && !(await readAmount(form.min_spend, box, { required: false })).ok) return null;
    const offer = { kind: form.offer_kind.value, value: value.value, valid_days: Number(form.valid_days.value) };
    if (minimum.value) offer.min_purchase = minimum.value;
    const audience = form.segment_id.value ? { segment_id: Number(form.segment_id.value) } : filterValue();
    return { name, trigger, offer, channel: form.channel.value, audience, draft: true };
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const payload = await buildPayload();
    if (!payload) return;
    const box = $("camp-result");
    await busy(event.submitter, async () => {
      try {
        const { data } = await api.post("/campaigns", payload);
        show(box, "ok", t("mk.draft_saved", { name: data.name }));
        await loadCampaigns();
        const item = document.querySelector(`#camp-list li[data-id="${data.id}"]`);
        if (item) item.scrollIntoView({ block: "nearest" });
      } catch (err) { showError(box, err); }
    });
  });

  // ---- the campaign list and each campaign's life
  function triggerText(c) {
    const tr = c.trigger || {};
    if (tr.type === "holiday") {
      const values = { days: tr.days_before, holiday: holidayName(tr.holiday_key), time: tr.send_time };
      return t(tr.days_before ? "mk.trigger_text.holiday" : "mk.trigger_text.holiday_day", values);
    }
    if (tr.type === "date") return t("mk.trigger_text.date", { when: formatTime(c.scheduled_for) || tr.send_at });
    const kinds = (tr.kinds || []).map((k) => t("mk.kind." + k)).join(", ");
    return `${kinds}: ${t("mk.trigger_text.occasion", { days: tr.days_before, time: tr.send_time })}`;
  }

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
      el("h5", { text: t("mk.audience_at_send") }),
      facts([[t("camp.total"), p.audience.total], [channelName("sms"), p.audience.sms], [channelName("email"), p.audience.email]]),
      el("h5", { text: t("camp.cost") }),
      facts([[t("camp.sms_messages"), cost.sms_messages], [t("camp.segments"), cost.sms_segments],
        [t("camp.emails"), cost.emails], [t("camp.total"), cost.total != null ? formatMoney(cost.total) : null]]),
      el("h5", { text: t("camp.samples") }), samples.length ? el("div", { class: "samples" }, samples) : el("p", { text: t("common.none") }));
  }

  function renderOverlaps(o) {
    const others = (o.others_deferred || 0) + (o.others_dropped || 0);
    const list = o.overlaps.length
      ? el("ul", { class: "overlaps" }, o.overlaps.map((x) => el("li", {},
        el("strong", { text: x.name }), ` (${stateName(x.status)}) · `,
        x.reasons.map((r) => t("mk.overlaps." + r)).join(", "),
        x.scheduled_for ? ` · ${formatTime(x.scheduled_for)}` : "",
        ` · ${x.shared_members} ${t("mk.overlaps.shared")}`)))
      : el("p", { text: t("mk.overlaps.none") });
    return el("div", { class: "overlap-report" },
      el("h3", { text: t("mk.overlaps") }),
      o.scheduled_for ? el("p", { text: `${t("camp.scheduled_for")}: ${formatTime(o.scheduled_for)} · ${t("camp.audience")}: ${o.audience}` }) : null,
      list,
      o.scheduled_for && !o.forecast_days
        ? el("p", { text: t("mk.overlaps.cap_far", { cap: o.frequency_cap, days: o.cap_window_days, limit: o.forecast_limit_days }) })
        : el("p", { class: o.deferred_by_cap ? "warn" : "", text: t("mk.overlaps.cap", { cap: o.frequency_cap, days: o.cap_window_days, n: o.deferred_by_cap }) }),
      others ? el("p", { class: "warn", text: t("mk.overlaps.others", { n: others }) }) : null);
  }

  // ---- the forecast panel: this campaign's effect on the coming weeks, played with and without it
  const count = new Intl.NumberFormat(LANG);
  const purposeName = (kind) => (t("purpose." + kind) === "purpose." + kind ? kind : t("purpose." + kind));
  const campaignNames = new Map();
  const FORECAST_WEEKS = [4, 13, 26, 52];

  /** The policy's reason in the page's language: the cap or the quiet hours (others are not worded here). */
  const whyText = (reason) => (/frequency cap/.test(reason || "") ? t("mk.fc.why.cap")
    : /quiet hours/.test(reason || "") ? t("mk.fc.why.quiet") : "");

  function renderEffect(e, weeks) {
    const total = e.total || {};
    const n = (v) => count.format(v || 0);
    const shown = e.weeks.filter((w) => w.messages || w.others_deferred || w.others_dropped || w.others_cancelled);
    const parts = [
      el("h5", { text: t("mk.fc.total") }),
      facts([[t("mk.fc.messages"), n(total.messages)], [t("mk.fc.segments"), n(total.sms_segments)], [t("mk.fc.emails"), n(total.emails)],
        [t("mk.fc.cost"), formatMoney(total.cost)], [t("mk.fc.deferred"), n(total.others_deferred)], [t("mk.fc.dropped"), n(total.others_dropped)],
        [t("mk.fc.cancelled"), n(total.others_cancelled)]]),
    ];
    if (e.deferred_by_cap) parts.push(el("p", { class: "warn", text: t("mk.fc.capped", { n: n(e.deferred_by_cap) }) }));
    if (!total.messages) parts.push(el("p", { class: "hint", text: t("mk.fc.none") }));
    if (shown.length) {
      parts.push(el("h5", { text: t("mk.fc.per_week") }), table(t("mk.fc.per_week"),
        [t("mk.fc.week"), t("mk.fc.messages"), t("mk.fc.segments"), t("mk.fc.emails"), t("mk.fc.cost"), t("mk.fc.deferred"), t("mk.fc.dropped")],
        shown.map((w) => [formatDate(w.week), n(w.messages), n(w.sms_segments), n(w.emails), formatMoney(w.cost), n(w.others_deferred), n(w.others_dropped)])));
    }
    parts.push(el("h5", { text: t("mk.fc.affected") }));
    if (!e.affected.length) parts.push(el("p", { text: t("mk.fc.no_affected") }));
    else {
      const first = e.affected.slice(0, 20);
      parts.push(el("ul", { class: "affected" }, first.map(({ message: m, before: b }) => el("li", {},
        el("strong", { text: m.member_id ? t("mk.fc.member", { id: m.member_id }) : "—" }), " · ",
        m.campaign_id ? (campaignNames.get(m.campaign_id) || `#${m.campaign_id}`) : t("mk.fc.personal"),
        ` (${purposeName(m.kind)}) · ${t("mk.fc.fate." + m.fate)} · ${formatTime(m.send_at)}`,
        b ? ` · ${t("mk.fc.without", { fate: t("mk.fc.fate." + b.fate), when: formatTime(b.send_at) })}` : "",
        whyText(m.reason) ? el("span", { class: "hint", text: ` · ${whyText(m.reason)}` }) : null))));
      if (e.affected.length > first.length) parts.push(el("p", { class: "hint", text: t("mk.fc.more", { n: n(e.affected.length - first.length) }) }));
    }
    return el("div", { class: "forecast", "data-weeks": String(weeks) }, parts);
  }

  function forecastPanel(c, details) {
    const id = `fc-${c.id}`;
    const select = el("select", { id: `${id}-weeks`, name: "weeks" },
      FORECAST_WEEKS.map((w) => el("option", { value: String(w), text: t("mk.fc.weeks_n", { n: w }) })));
    select.value = "13";
    const state = el("div", { class: "result", role: "status", "aria-live": "polite" });
    const out = el("div", { class: "forecast-out" });
    const f = el("form", { class: "row forecast-form" },
      el("label", { for: select.id, text: t("mk.fc.weeks") }), select, el("button", { type: "submit" }, t("mk.fc.show")));
    let seq = 0;
    const compute = async (button) => {
      const mine = ++seq;
      const weeks = Number(select.value);
      out.replaceChildren();
      out.setAttribute("aria-busy", "true");
      const progress = el("progress", { "aria-label": t("mk.fc.working") });
      state.className = "result info";
      state.replaceChildren(progress, " ", t("mk.fc.working"));
      await busy(button, async () => {
        try {
          const effect = await api.get(`/campaigns/${c.id}/forecast?days=${weeks * 7}`);
          if (mine !== seq) return;
          out.replaceChildren(renderEffect(effect, weeks));
          show(state, "ok", t("mk.fc.done", { weeks }));
        } catch (err) {
          if (mine !== seq) return;
          show(state, "error", t("mk.fc.error", { detail: App.detailText(err.detail) || String(err.message || err) }));
        } finally { if (mine === seq) out.removeAttribute("aria-busy"); }
      });
    };
    f.addEventListener("submit", (event) => { event.preventDefault(); compute(event.submitter); });
    details.replaceChildren(el("h4", { text: t("mk.fc.heading") }), el("p", { class: "hint", text: t("mk.fc.hint") }), f, state, out);
    select.focus();
    return compute(f.querySelector("button"));
  }

  async function renderResults(c) {
    const d = await api.get(`/campaigns/${c.id}`);
    const s = d.stats || {};
    const stat = (key) => [t("camp.stats." + key), s[key]];
    const parts = [
      facts([[t("camp.status"), stateName(d.status)], [t("camp.waiting"), d.messages_waiting || null], [t("camp.scheduled_for"), formatTime(d.scheduled_for)],
        stat("targeted"), stat("coupons"), stat("sent"), stat("delivered"), stat("failed"), stat("redeemed"),
        [t("camp.redemption_rate"), formatPercent(s.redemption_rate)],
        [t("camp.revenue"), s.revenue != null ? formatMoney(s.revenue) : null]]),
      (s.per_day || []).length
        ? await chartImage(`/campaigns/${c.id}/chart.svg?lang=${LANG}`, t("mk.chart"))
        : el("p", { class: "hint", text: t("mk.chart.empty") }),
      el("button", { type: "button", class: "small secondary", onclick: (event) => busy(event.target, () => download(`/campaigns/${c.id}/results.csv`, `campaign-${c.id}-results.csv`)) }, t("mk.csv")),
    ];
    if ((s.per_day || []).length) {
      parts.push(el("h5", { text: t("camp.per_day") }), table(t("camp.per_day"),
        [t("camp.day"), t("camp.stats.coupons"), t("camp.stats.sent"), t("camp.stats.delivered"), t("camp.stats.failed"), t("camp.stats.redeemed"), t("camp.revenue")],
        s.per_day.map((r) => [formatDate(r.day), r.coupons, r.sent, r.delivered, r.failed, r.redeemed, formatMoney(r.revenue)])));
    }
    if ((d.runs || []).length) {
      parts.push(el("h5", { text: t("camp.runs") }), table(t("camp.runs"), [t("camp.run"), t("camp.status"), t("cal.date"), t("camp.send_time")],
        d.runs.map((r) => [r.run_key, stateName(r.status), formatDate(r.send_date), r.send_time])));
    }
    if (d.trigger && d.trigger.type === "holiday") {
      const yoy = await api.get(`/campaigns/${c.id}/compare`);
      if (yoy.years.length) {
        parts.push(el("h5", { text: t("mk.yoy") }),
          // a run still to come says so: its zeros are not a failure
          table(t("mk.yoy"), [t("mk.year"), t("camp.name"), t("camp.status"), t("camp.stats.coupons"), t("camp.stats.sent"), t("camp.stats.redeemed"), t("camp.redemption_rate"), t("camp.revenue")],
            yoy.years.map((y) => [y.year, `${y.name} (#${y.campaign_id})`, stateName(y.status), y.coupons, y.sent, y.redeemed, formatPercent(y.redemption_rate), formatMoney(y.revenue)])));
        if (yoy.years.length > 1) parts.push(await chartImage(`/campaigns/${c.id}/compare.svg?lang=${LANG}`, t("mk.yoy.chart")));
      }
    }
    return el("div", { class: "results" }, parts);
  }

  function testForm(c, details) {
    const id = `test-${c.id}`;
    const box = el("div", { class: "result", role: "status", "aria-live": "polite" });
    const wantsPhone = c.channel !== "email";
    const wantsEmail = c.channel !== "sms";
    const phone = el("input", { id: `${id}-phone`, name: "phone", type: "tel", autocomplete: "tel" });
    const email = el("input", { id: `${id}-email`, name: "email", type: "email", autocomplete: "email" });
    const f = el("form", { class: "stack test-form" },
      el("p", { class: "hint", text: t("mk.test.hint") }),
      wantsPhone ? el("label", { for: phone.id, text: t("mk.test.phone") }) : null, wantsPhone ? phone : null,
      wantsEmail ? el("label", { for: email.id, text: t("mk.test.email") }) : null, wantsEmail ? email : null,
      el("button", { type: "submit" }, t("mk.test.send")), box);
    f.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { locale: LANG };
      if (wantsPhone && phone.value.trim()) body.phone = phone.value.trim();
      if (wantsEmail && email.value.trim()) body.email = email.value.trim();
      await busy(event.submitter, async () => {
        try {
          const { data } = await api.post(`/campaigns/${c.id}/test`, body);
          show(box, "ok", t("mk.test.queued", { to: data.map((m) => m.to).join(", ") }));
        } catch (err) { showError(box, err); }
      });
    });
    details.replaceChildren(el("h4", { text: t("mk.test") }), f);
    (wantsPhone ? phone : email).focus();
  }

  let quietHours = null;
  /** A warning when the campaign's shop-local send time falls in the quiet hours (sent when they end). */
  async function quietWarning(c) {
    if (!quietHours) {
      try { quietHours = await api.get("/shop"); } catch (err) { return null; }
    }
    const { quiet_hours_start: start, quiet_hours_end: end } = quietHours;
    const time = String(c.scheduled_local || "").slice(11, 16) || (c.trigger && c.trigger.send_time) || "";
    const hour = Number(time.slice(0, 2));
    if (!time || start == null || end == null || start === end) return null;
    const quiet = start < end ? hour >= start && hour < end : hour >= start || hour < end;
    if (!quiet) return null;
    const pad = (h) => String(h).padStart(2, "0") + ":00";
    return el("p", { class: "notice warn", role: "note", text: t("mk.quiet_warning", { time, start: pad(start), end: pad(end) }) });
  }

  function campaignItem(c) {
    const details = el("div", { class: "details" });
    const status = el("span", { class: "status", "data-status": c.status, text: stateName(c.status) });
    const when = el("span", { class: "when", text: c.scheduled_for ? ` · ${t("camp.scheduled_for")}: ${formatTime(c.scheduled_for)}` : "" });
    const live = () => ["draft", "scheduled", "running"].includes(status.dataset.status);
    const act = (labelKey, work, opts) => el("button", { type: "button", class: "small" + ((opts && opts.cls) ? " " + opts.cls : ""), "data-action": labelKey, onclick: async (event) => {
      await busy(event.target, async () => {
        details.className = "details";
        details.removeAttribute("role");
        try { await work(event.target); } catch (err) { showError(details, err); details.classList.add("details"); }
      });
    } }, t(labelKey));
    const setStatus = (data) => {
      status.dataset.status = data.status;
      status.textContent = stateName(data.status);
      when.textContent = data.scheduled_for ? ` · ${t("camp.scheduled_for")}: ${formatTime(data.scheduled_for)}` : "";
      actions.replaceChildren(...buttons().filter(Boolean)); // replaceChildren would write a null as "null"
    };
    const buttons = () => [
      act("camp.preview", async () => details.replaceChildren(el("h4", { text: t("camp.preview") }), renderPreview((await api.post(`/campaigns/${c.id}/preview`, {})).data))),
      live() ? act("mk.test", async () => testForm(c, details)) : null,
      live() ? act("mk.forecast", async () => forecastPanel(c, details)) : null,
      status.dataset.status === "draft" ? act("mk.schedule", async () => {
        const working = t("mk.overlaps.working");  // the report plays the days until the send: seconds
        details.replaceChildren(el("p", { role: "status" }, el("progress", { "aria-label": working }), " ", working));
        const report = await api.get(`/campaigns/${c.id}/overlaps`).finally(() => details.replaceChildren());
        const quiet = await quietWarning(c);
        const ok = await confirmDialog(t("mk.schedule_q", { name: c.name }), [quiet, renderOverlaps(report)].filter(Boolean), t("mk.schedule_ok"));
        if (!ok) return;
        const { data } = await api.post(`/campaigns/${c.id}/schedule`, {});
        setStatus(data);
        show(details, "ok", t("mk.scheduled"));
        details.classList.add("details");
      }) : null,
      act("camp.results", async () => details.replaceChildren(el("h4", { text: t("camp.results") }), await renderResults(c))),
      live() ? act("mk.cancel", async () => {
        const ok = await confirmDialog(t("mk.cancel_q", { name: c.name }), el("p", { text: t("mk.cancel_body") }), t("mk.cancel_ok"));
        if (!ok) return;
        const { data } = await api.post(`/campaigns/${c.id}/cancel`, {});
        setStatus(data);
        show(details, "ok", t("camp.cancelled"));
        details.classList.add("details");
      }, { cls: "danger" }) : null,
    ];
    const actions = el("div", { class: "row actions" }, buttons());
    return el("li", { "data-id": c.id, "data-scheduled-local": c.scheduled_local },
      el("p", {}, el("strong", { text: c.name }), ` · ${t("camp.status")}: `, status, when),
      el("p", { class: "hint", text: `${triggerText(c)} · ${channelName(c.channel)}` + (c.segment_id ? ` · ${t("mk.segment")}: ${(segments.find((s) => s.id === c.segment_id) || {}).name || c.segment_id}` : "") }),
      actions, details);
  }

  let campaignLoads = 0;
  async function loadCampaigns() {
    const box = $("camp-list-result");
    const list = $("camp-list");
    const load = ++campaignLoads;
    list.setAttribute("aria-busy", "true");  // about to be drawn again: its buttons are not to be used yet
    let campaigns;
    try {
      campaigns = await api.get("/campaigns");
      if (load !== campaignLoads) return;  // an older answer than a later load's: it would wipe open panels
      box.replaceChildren();
    } catch (err) {
      if (load !== campaignLoads) return;
      showError(box, err); list.setAttribute("aria-busy", "false"); return;
    }
    for (const c of campaigns) campaignNames.set(c.id, c.name);
    list.replaceChildren(...campaigns.map(campaignItem));
    if (!campaigns.length) list.append(el("li", { text: t("camp.none") }));
    list.setAttribute("aria-busy", "false");
  }
  $("camp-refresh").addEventListener("click", loadCampaigns);

  /** Store names beside their numbers, where the stores endpoint exists (admin's store list). */
  async function loadStores() {
    let stores;
    try { stores = await api.get("/stores"); } catch (err) { return; }
    if (!Array.isArray(stores)) return;
    $("store-list").replaceChildren(...stores.map((s) => el("option", { value: String(s.id), label: s.name, text: s.name })));
  }

  App.gate().then(async (me) => {
    if (!me) return;
    showTrigger();
    loadStores();
    await loadCalendar(null, { upcoming: true });
    await loadSegments();
    if (!campaignLoads) await loadCampaigns();  // a draft saved meanwhile has drawn the list already
  });
})();

/* Marketing: the holiday calendar; a campaign drafted from any trigger and audience (saved segments, a live
   count); its life (preview, test send, overlaps before scheduling, cancel, both confirmed); results as
   charts, a CSV and year over year; NPS with its trend and the detractors' follow-up. */
"use strict";

(() => {
  const { t, LANG, api, el, show, showError, busy, formatDate, formatTime, formatMoney, formatPercent, stateName } = App;
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

  /** A chart drawn for the width it is shown at (on a phone its text keeps a readable size). */
  async function chartImage(path, alt) {
    const width = Math.max(300, Math.min(900, Math.round(document.querySelector("main").clientWidth - 48)));
    const response = await api.request("GET", `${path}${path.includes("?") ? "&" : "?"}width=${width}`, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    return el("img", { class: "chart", src: url, alt, width: String(width) });
  }

  async function download(path, filename) {
    const response = await api.request("GET", path, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: filename, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  const facts = (pairs) => el("dl", { class: "facts" }, pairs.filter(([, v]) => v != null && v !== "")
    .flatMap(([k, v]) => [el("dt", { text: k }), el("dd", {}, v instanceof Node ? v : String(v))]));
  const table = (caption, head, rows) => el("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": caption }, el("table", {},
    el("caption", { class: "sr-only", text: caption }),
    el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, rows.map((r) => el("tr", {}, r.map((cell) => el("td", { text: cell == null ? "" : String(cell) })))))));
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
    if (form.min_spend.value !== "") f.min_spend = form.min_spend.value;
    if (form.lapsed_on.checked && form.lapsed_days.value !== "") f.lapsed_days = Number(form.lapsed_days.value);
    const locales = ["tr", "en"].filter((code) => form["locale_" + code].checked);
    if (locales.length) f.locales = locales;
    if (f.window_days === 365 || (f.min_purchases == null && f.min_spend == null)) delete f.window_days;
    return f;
  }
  function setFilter(f) {
    form.card_holders_only.checked = !!f.card_holders_only;
    for (const name of [...numberFields, "min_spend"]) form[name].value = f[name] != null ? f[name] : "";
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
  function buildPayload() {
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
    const offer = { kind: form.offer_kind.value, value: form.offer_value.value, valid_days: Number(form.valid_days.value) };
    if (form.min_purchase.value) offer.min_purchase = form.min_purchase.value;
    const audience = form.segment_id.value ? { segment_id: Number(form.segment_id.value) } : filterValue();
    return { name, trigger, offer, channel: form.channel.value, audience, draft: true };
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const payload = buildPayload();
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
      el("p", { class: o.deferred_by_cap ? "warn" : "", text: t("mk.overlaps.cap", { cap: o.frequency_cap, days: o.cap_window_days, n: o.deferred_by_cap }) }));
  }

  async function renderResults(c) {
    const d = await api.get(`/campaigns/${c.id}`);
    const s = d.stats || {};
    const stat = (key) => [t("camp.stats." + key), s[key]];
    const parts = [
      facts([[t("camp.status"), stateName(d.status)], [t("camp.scheduled_for"), formatTime(d.scheduled_for)],
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
          table(t("mk.yoy"), [t("mk.year"), t("camp.name"), t("camp.stats.coupons"), t("camp.stats.sent"), t("camp.stats.redeemed"), t("camp.redemption_rate"), t("camp.revenue")],
            yoy.years.map((y) => [y.year, y.name, y.coupons, y.sent, y.redeemed, formatPercent(y.redemption_rate), formatMoney(y.revenue)])));
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
      actions.replaceChildren(...buttons());
    };
    const buttons = () => [
      act("camp.preview", async () => details.replaceChildren(el("h4", { text: t("camp.preview") }), renderPreview((await api.post(`/campaigns/${c.id}/preview`, {})).data))),
      live() ? act("mk.test", async () => testForm(c, details)) : null,
      status.dataset.status === "draft" ? act("mk.schedule", async () => {
        const report = await api.get(`/campaigns/${c.id}/overlaps`);
        const ok = await confirmDialog(t("mk.schedule_q", { name: c.name }), renderOverlaps(report), t("mk.schedule_ok"));
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

  // ---- NPS: overall, the trend chart, groups, and the detractors' comments with their follow-up
  const npsRange = () => `from=${encodeURIComponent($("nps-from").value)}&to=${encodeURIComponent($("nps-to").value)}`;
  const score = (value) => (value == null ? "—" : String(value));

  async function loadNps(button) {
    const box = $("nps-result");
    const bodyBox = $("nps-body");
    await busy(button, async () => {
      let report;
      try { report = await api.get(`/reports/nps?${npsRange()}&group_by=${$("nps-group").value}&lang=${LANG}`); } catch (err) { showError(box, err); bodyBox.replaceChildren(); return; }
      const o = report.overall;
      if (!o.responses) { show(box, "info", t("mk.nps.none")); bodyBox.replaceChildren(); return; }
      show(box, "ok", t("mk.nps.overall", { score: score(o.score), n: o.responses }));
      const chart = await chartImage(`/reports/nps/chart.svg?${npsRange()}&lang=${LANG}`, t("mk.nps.chart"));
      bodyBox.replaceChildren(chart, table(t("mk.nps"),
        [t("mk.nps.group"), t("mk.nps.responses"), t("mk.nps.promoters"), t("mk.nps.passives"), t("mk.nps.detractors"), t("mk.nps.score")],
        report.groups.map((g) => [g.label, g.responses, g.promoters, g.passives, g.detractors, score(g.score)])));
    });
    await loadDetractors();
  }
  $("nps-form").addEventListener("submit", (event) => { event.preventDefault(); loadNps(event.submitter); });

  const who = (actor) => String(actor || "").replace(/^user:/, "");

  function detractorItem(d) {
    const id = `fu-${d.id}`;
    const box = el("div", { class: "result", role: "status", "aria-live": "polite" });
    const state = el("select", { id: `${id}-state` }, ["open", "contacted", "resolved"].map((s) => el("option", { value: s, text: t("mk.fu." + s), selected: s === d.followup })));
    const note = el("input", { id: `${id}-note`, maxlength: "1000", value: d.followup_note || "" });
    const f = el("form", { class: "row" },
      el("label", { for: state.id, text: t("mk.det.state") }), state,
      el("label", { for: note.id, text: t("mk.det.note") }), note,
      el("button", { type: "submit", class: "small" }, t("mk.det.save")));
    f.addEventListener("submit", async (event) => {
      event.preventDefault();
      await busy(event.submitter, async () => {
        try {
          const { data } = await api.request("PATCH", `/feedback/${d.id}/followup`, { json: { followup: state.value, note: note.value } });
          show(box, "ok", `${t("mk.det.saved")} ${t("mk.fu." + data.followup)} · ${t("mk.det.by", { who: who(data.followup_by), when: formatTime(data.followup_at) })}`);
        } catch (err) { showError(box, err); }
      });
    });
    return el("li", { "data-feedback": d.id },
      el("p", {}, el("strong", { text: d.member_name }), ` · ${t("mk.det.score", { score: d.score })} · `,
        el("time", { datetime: d.created_at, text: formatTime(d.created_at) })),
      el("blockquote", { text: d.comment || t("mk.det.no_comment") }),
      d.followup_by ? el("p", { class: "hint", text: `${t("mk.fu." + d.followup)} · ${t("mk.det.by", { who: who(d.followup_by), when: formatTime(d.followup_at) })}` + (d.followup_note ? ` — ${d.followup_note}` : "") }) : null,
      f, box);
  }

  async function loadDetractors() {
    const box = $("det-result");
    let list;
    try { list = await api.get(`/reports/detractors?followup=${$("det-state").value}&${npsRange()}`); } catch (err) { showError(box, err); return; }
    box.replaceChildren();
    box.className = "result";
    $("det-list").replaceChildren(...(list.length ? list.map(detractorItem) : [el("li", { text: t("mk.det.none") })]));
  }
  $("det-state").addEventListener("change", loadDetractors);

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
    await loadCalendar(null);
    await loadSegments();
    await loadCampaigns();
    await loadNps(null);
  });
})();

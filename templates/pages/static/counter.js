/* Counter: find a member (phone in any form, card scan, name without accents), the member panel (visits toward
 * the card, coupons to tap, history), a purchase with its coupon in one step, feedback, held and lost cards. */
"use strict";

(() => {
  const { t, api, el, show, showError, busy, formatTime, formatMoney, formatLastDay, readAmount, localText,
    clearFieldErrors, fieldError, showFieldErrors, confirmInline } = App;
  const $ = (id) => document.getElementById(id);
  const CONFIG = JSON.parse($("counter-config").textContent);
  const QUESTIONS = CONFIG.questions;
  const LARGE = Number(CONFIG.large_amount); // a purchase this large asks to confirm (LOYALTY_LARGE_AMOUNT)
  let current = null; // { member, card, coupons }
  /** A receipt number the page makes up when the cashier leaves it empty: the same one until the sale is
   * recorded, so a double click or a retry records one purchase (the API answers the repeat with 200). */
  const newSaleKey = () => "K-" + (crypto.randomUUID ? crypto.randomUUID().replaceAll("-", "").slice(0, 16)
    : Date.now().toString(36) + Math.random().toString(36).slice(2, 8)).toUpperCase();
  let saleKey = newSaleKey();

  const digits = (text) => text.replace(/[\s\-().]/g, "");

  /** Automatic search kind: letters -> name; +90 / 0... / 5xxxxxxxxx -> phone; other digits -> card. */
  function guessKind(query) {
    const compact = digits(query);
    if (/[^\d+]/.test(compact)) return "name";
    if (compact.startsWith("+") || compact.startsWith("0") || (compact.length === 10 && compact.startsWith("5"))
        || (compact.length === 12 && compact.startsWith("90"))) return "phone";
    return "card";
  }

  function offerText(c) {
    return c.offer.kind === "percent" ? App.formatPercent(Number(c.offer.value) / 100) : formatMoney(c.offer.value);
  }

  function couponText(c) {
    const parts = [c.code, offerText(c)];
    if (c.offer.min_purchase != null) parts.push(`${t("camp.min_purchase")}: ${formatMoney(c.offer.min_purchase)}`);
    if (c.expires_at) parts.push(t("coupon.last_day", { day: formatLastDay(c.expires_at) }));
    return parts.filter(Boolean).join(" · ");
  }

  // ------------------------------------------------------------------ the member panel

  function renderCard() {
    const { card } = current;
    const span = $("member-card");
    const status = card ? card.status : null;
    if (card) {
      span.textContent = `${card.number_display || card.number} (${t("card.status." + card.status)})`
        + (card.status === "rejected" && card.review_reason ? ` · ${t("card.reason")}: ${card.review_reason}` : "");
      span.dataset.number = card.number;
    } else {
      span.textContent = t("member.no_card");
      delete span.dataset.number;
    }
    $("card-pdf").hidden = status !== "active"; // a held card offers no PDF
    $("card-replace").hidden = status !== "active";
    $("card-approve").hidden = status !== "pending_review";
    $("card-reject").hidden = status !== "pending_review";
    if (status === "pending_review") show($("card-result"), "info", t("card.held_note"));
  }

  function renderProgress() {
    const { member, card } = current;
    const p = member.card_progress;
    const bar = $("member-progress-bar");
    if (!p) { bar.hidden = true; $("member-progress").textContent = ""; return; }
    bar.hidden = false;
    bar.max = p.needed;
    bar.value = Math.min(p.visits, p.needed);
    let text = t("member.progress_text", { visits: p.visits, needed: p.needed, days: p.window_days });
    if (card && card.status === "active") text = t("member.progress_done");
    else if (card && card.status === "pending_review") text = t("member.progress_held");
    else if (card && card.status === "rejected") text = t("member.progress_rejected");
    $("member-progress").textContent = text;
  }

  function renderCoupons() {
    const box = $("coupon-choices");
    box.replaceChildren();
    const none = el("label", { class: "choice" }, el("input", { type: "radio", name: "coupon_pick", value: "", checked: true }), " " + t("purchase.no_coupon"));
    box.append(none);
    for (const c of current.coupons || []) {
      box.append(el("label", { class: "choice coupon" },
        el("input", { type: "radio", name: "coupon_pick", value: c.code }), " ", el("span", { text: couponText(c) })));
    }
    $("purchase-coupon-code").value = "";
  }

  function renderMember() {
    const { member } = current;
    $("member-panel").hidden = false;
    $("member-name").textContent = member.full_name;
    $("member-phone").textContent = member.phone_display || member.phone || "";
    $("member-email").textContent = member.email || t("common.none");
    const consent = member.consent;
    $("member-consent").textContent = `SMS: ${t(consent.sms ? "common.yes" : "common.no")} · ${t("member.email")}: ${t(consent.email ? "common.yes" : "common.no")}`
      + (member.paused ? ` · ${t("member.paused")}` : "");
    $("card-result").replaceChildren();
    renderCard();
    renderProgress();
    renderCoupons();
    const question = $("feedback-question");
    const lang = QUESTIONS[member.locale] ? member.locale : document.body.dataset.lang;
    question.textContent = QUESTIONS[lang];
    question.setAttribute("lang", lang);
  }

  /** Where a consent came from, in words ("counter" -> "at the counter"); an unknown one as it is. */
  const sourceName = (source) => (App.t("consent.source." + source) === "consent.source." + source ? source : t("consent.source." + source));

  async function loadHistory() {
    const id = current.member.id;
    const [purchases, messages, consent] = await Promise.all([
      api.get(`/members/${id}/purchases?limit=10`), api.get(`/members/${id}/messages?limit=10`), api.get(`/members/${id}/consent`),
    ]);
    const pbody = $("history-purchases").tBodies[0];
    pbody.replaceChildren(...(purchases.length ? purchases.map((p) => el("tr", {},
      el("td", { text: formatTime(p.occurred_at) }), el("td", { text: formatMoney(p.amount) }),
      el("td", { text: p.receipt_id }), el("td", { text: p.coupon_code ? `${p.coupon_code} (−${formatMoney(p.discount)})` : "" })))
      : [el("tr", {}, el("td", { colspan: "4", text: t("member.no_purchases") }))]));
    const mbody = $("history-messages").tBodies[0];
    mbody.replaceChildren(...(messages.length ? messages.map((m) => el("tr", {},
      el("td", { text: formatTime(m.sent_at || m.created_at) }),
      el("td", { text: App.t("purpose." + m.purpose) === "purpose." + m.purpose ? m.purpose : t("purpose." + m.purpose) }),
      el("td", { text: (m.channel === "sms" ? "SMS" : t("member.email")) + (m.wallet ? ` (${t("member.wallet")})` : "") }), el("td", { text: t("message." + m.state) === "message." + m.state ? m.state : t("message." + m.state) })))
      : [el("tr", {}, el("td", { colspan: "4", text: t("member.no_messages") }))]));
    const list = $("history-consent");
    list.replaceChildren(...(consent.length ? consent.slice().reverse().map((e) => el("li", {
      text: `${formatTime(e.recorded_at)} · ${e.channel === "sms" ? "SMS" : t("member.email")} · ${t(e.granted ? "member.granted" : "member.revoked")} · ${sourceName(e.source)}`,
    })) : [el("li", { text: t("member.no_consent_history") })]));
  }

  /** Load and show a member; ``card`` is the scanned card when there is one. */
  async function loadMember(memberId, { card = null, focus = true } = {}) {
    const member = await api.get(`/members/${memberId}`);
    if (!card) {
      try { card = await api.get(`/members/${memberId}/card`); } catch (err) {
        if (err.status !== 404) throw err;
        card = (err.detail && err.detail.rejected) || null; // a rejected card, shown with its reason
      }
    }
    const coupons = await api.get(`/members/${memberId}/coupons`);
    const changed = !current || current.member.id !== member.id;
    current = { member, card, coupons };
    if (changed) {  // the last customer's amount, receipt and answers never carry over to the next one
      for (const id of ["purchase-form", "feedback-form", "occasion-form"]) { $(id).reset(); clearFieldErrors($(id)); }
      $("occasion-result").replaceChildren();
      saleKey = newSaleKey();
    }
    $("self-link-url").hidden = true;
    for (const id of ["purchase-result", "feedback-result", "member-result"]) $(id).replaceChildren();
    renderMember();
    loadHistory().catch((err) => showError($("member-result"), err));
    if (focus) {
      // the member's name stays in view (on a phone too), the amount is ready to type
      $("member-panel").scrollIntoView({ block: "start" });
      $("purchase-amount").focus({ preventScroll: true });
    }
  }

  async function refreshMember() {
    if (!current) return;
    await loadMember(current.member.id, { focus: false });
  }

  // ------------------------------------------------------------------ find

  $("find-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const input = $("find-query");
    const query = input.value.trim();
    const box = $("find-result");
    clearFieldErrors(form);
    if (!query) { fieldError(input, t("field.required")); input.focus(); return; }
    const kind = $("find-by").value === "auto" ? guessKind(query) : $("find-by").value;
    await busy($("find-submit"), async () => {
      try {
        if (kind === "card") {
          try {
            const scan = await api.get(`/cards/${encodeURIComponent(digits(query))}`);
            box.replaceChildren();
            await loadMember(scan.member.id, { card: scan.card });
          } catch (err) {
            const d = err.detail || {};
            if (err.status !== 410 || !d.member_id) throw err;
            show(box, "info", t("find.replaced", { number: d.replaced_by_display || d.replaced_by }));
            await loadMember(d.member_id);
          }
          return;
        }
        const param = kind === "phone" ? "phone" : "q";
        const found = await api.get(`/members?${param}=${encodeURIComponent(query)}`);
        if (!found.length) {
          if (kind !== "phone") { show(box, "info", t("find.none")); return; }
          const form = $("register-form");  // a new customer: the phone is already typed in registration
          form.reset();
          clearFieldErrors(form);
          form.phone.value = query;
          show(box, "info", t("find.none_register"));
          form.full_name.focus();
          return;
        }
        if (found.length === 1) { box.replaceChildren(); await loadMember(found[0].id); return; }
        const choices = el("ul", { class: "plain results", "aria-label": t("find.results") }, found.map((m) => el("li", {},
          el("button", { type: "button", class: "result-choice", onclick: () => loadMember(m.id).catch((err) => showError(box, err)) },
            el("strong", { text: m.full_name }), " · ", el("span", { text: m.phone_display || m.phone })))));
        show(box, "info", t("find.choose"), choices);
      } catch (err) {
        if (err.status === 404 && kind === "card") { show(box, "info", t("find.none")); return; }
        if (err.status === 422) {
          fieldError(input, localText(App.detailText(err.detail).replace(/^[a-z_]+: /, "")) || t("err.422"));
          input.focus();
          box.replaceChildren();
          return;
        }
        showError(box, err);
      }
    });
  });

  // ------------------------------------------------------------------ register

  const registerTexts = { phone: t("field.phone"), email: t("field.email"), full_name: t("field.required") };

  $("register-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const box = $("register-result");
    clearFieldErrors(form);
    const missing = ["full_name", "phone"].filter((name) => !form[name].value.trim());
    if (missing.length) {
      for (const name of missing) fieldError(form[name], t("field.required"));
      form[missing[0]].focus();
      return;
    }
    const payload = {
      full_name: form.full_name.value.trim(),
      phone: form.phone.value.trim(),
      locale: form.locale.value,
      consent: { sms: form.consent_sms.checked, email: form.consent_email.checked },
      consent_source: "counter",
    };
    if (form.email.value.trim()) payload.email = form.email.value.trim();
    await busy(event.submitter, async () => {
      try {
        const { data } = await api.post("/members", payload);
        show(box, "ok", `${t("register.done")} ${data.full_name} · ${data.phone_display || data.phone}`);
        form.reset();
        await loadMember(data.id);
      } catch (err) {
        if (err.status === 422 && showFieldErrors(form, err, registerTexts)) { box.replaceChildren(); return; }
        showError(box, err, { 409: t("register.exists") });
        const existing = err.detail && err.detail.member_id;
        if (err.status === 409 && existing != null) {
          box.append(el("button", { type: "button", onclick: () => loadMember(existing).catch((e) => showError(box, e)) }, t("register.open_existing")));
        }
      }
    });
  });

  // ------------------------------------------------------------------ purchase (with its coupon)

  $("purchase-coupon-code").addEventListener("input", () => { $("coupon-pick-other").checked = true; });
  // Enter on a coupon choice records the sale, as it does in the amount field
  $("purchase-form").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.name === "coupon_pick") { event.preventDefault(); $("purchase-form").requestSubmit(); }
  });

  function chosenCoupon(form) {
    const picked = form.querySelector('input[name="coupon_pick"]:checked');
    if (!picked || !picked.value) return null;
    if (picked.value === "__other") return $("purchase-coupon-code").value.trim() || null;
    return picked.value;
  }

  const couponFieldText = (err) => {
    const d = err.detail;
    if (err.status === 404) return t("coupon.404");
    if (err.status === 409) return t("coupon.409");
    if (err.status === 410) return t("coupon.410");
    const item = Array.isArray(d) ? d[0] : d;
    if (item && item.min_purchase) return t("coupon.min", { amount: formatMoney(item.min_purchase) });
    const msg = (item && (item.msg || item.message)) || "";
    if (/another member/.test(msg)) return t("coupon.other_member");
    return localText(msg) || t("coupon.422");
  };

  $("purchase-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const box = $("purchase-result");
    if (!current) { show(box, "error", t("purchase.select_member")); return; }
    clearFieldErrors(form);
    const receipt = form.receipt_id.value.trim() || saleKey;
    const read = await readAmount(form.amount, box);
    if (!read.ok) return;
    const amount = read.value;
    const submit = $("purchase-submit");
    if (Number(amount) >= LARGE) {
      const shown = formatMoney(amount);
      const answer = await confirmInline(box, t("purchase.confirm_large", { amount: shown }), t("purchase.confirm_yes", { amount: shown }));
      if (!answer.ok) { form.amount.focus(); return; }
    }
    const payload = { amount, receipt_id: receipt };
    const typed = [form.amount.value, form.receipt_id.value];
    const coupon = chosenCoupon(form);
    if (coupon) payload.coupon_code = coupon;
    await busy(submit, async () => {
      try {
        const { status, data } = await api.post(`/members/${current.member.id}/purchases`, payload);
        const repeated = status === 200;
        const parts = [];
        const more = el("div", {});
        const buttons = el("div", { class: "row" });
        if (data.redemption) {
          const r = data.redemption;
          parts.push(t("purchase.with_coupon", { code: r.code }));
          more.append(el("p", { class: "detail", text: `${t("coupon.discount")}: ${formatMoney(r.discount)} · ${t("coupon.amount_due")}: ${formatMoney(r.amount_due)}` }));
        }
        let heading;
        if (data.card_issued && data.card) {
          const pending = data.card.status === "pending_review";
          heading = pending ? t("purchase.card_pending") : `${t("purchase.card_issued")} ${data.card.number_display || data.card.number}`;
          if (!pending) buttons.append(el("button", { type: "button", class: "small", onclick: () => downloadCard(data.card.number, box) }, t("card.pdf")));
        } else {
          heading = repeated ? t("purchase.repeat") : `${t("purchase.done")} ${formatMoney(data.purchase.amount)}`;
        }
        if (data.redemption) {
          const r = data.redemption;
          buttons.append(el("button", { type: "button", class: "secondary small", onclick: (e) => undoRedemption(r.code, e.target) }, t("purchase.undo")));
        }
        if (buttons.childElementCount) more.append(buttons);
        // what the cashier typed for the next sale while this one was on its way is kept
        if (form.amount.value === typed[0] && form.receipt_id.value === typed[1]) form.reset();
        saleKey = newSaleKey();
        await refreshMember();
        if (data.card_issued) loadHeld();
        show(box, data.card_issued && data.card && data.card.status === "active" ? "ok big" : repeated ? "info" : "ok",
          [heading, ...parts].join(" · "), more);
        $("find-query").focus({ preventScroll: true });  // the next customer: search is ready, its text selected
        $("find-query").select();
      } catch (err) {
        if ((err.status === 422 || (err.detail && err.detail.field)) && showFieldErrors(form, err, {
          coupon_code: couponFieldText, amount: t("field.amount"), receipt_id: (e, msg) => localText(msg),
        })) {
          box.replaceChildren();
          return;
        }
        showError(box, err);
      }
    });
  });

  async function undoRedemption(code, button) {
    const box = $("purchase-result");
    const answer = await confirmInline(box, t("purchase.undo"), t("purchase.undo_confirm"), { reasonLabel: t("purchase.undo_reason") });
    if (!answer.ok) return;
    try {
      await api.post(`/coupons/${encodeURIComponent(code)}/reverse`, { reason: answer.reason });
      show(box, "ok", t("purchase.undone"));
      await refreshMember();
    } catch (err) { showError(box, err); }
    if (button && button.isConnected) button.focus();
  }

  // ------------------------------------------------------------------ an occasion the customer tells

  $("occasion-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const box = $("occasion-result");
    if (!current) return;
    clearFieldErrors(form);
    const missing = ["date", "purpose"].filter((name) => !form[name].value.trim());
    for (const name of missing) fieldError(form[name], t("field.required"));
    if (!form.consent.checked) fieldError(form.consent, t("counter.occasion.consent_needed"));
    if (missing.length) { form[missing[0]].focus(); return; }
    if (!form.consent.checked) { form.consent.focus(); return; }
    const payload = { kind: form.kind.value, for_whom: form.for_whom.value, date: form.date.value, purpose: form.purpose.value.trim() };
    await busy(event.submitter, async () => {
      try {
        await api.post(`/members/${current.member.id}/occasions`, payload);
        const kind = form.kind.options[form.kind.selectedIndex].text;
        show(box, "ok", t("counter.occasion.done", { kind, date: App.formatDate(payload.date) }));
        form.reset();
      } catch (err) {
        if (!showFieldErrors(form, err)) showError(box, err);
      }
    });
  });

  // ------------------------------------------------------------------ feedback

  $("feedback-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const box = $("feedback-result");
    if (!current) return;
    clearFieldErrors(form);
    const picked = form.querySelector('input[name="score"]:checked');
    if (!picked) {
      const first = form.querySelector('input[name="score"]');
      fieldError(first, t("feedback.pick"));
      first.focus();
      return;
    }
    const payload = { score: Number(picked.value) };
    if (form.comment.value.trim()) payload.comment = form.comment.value.trim();
    await busy(event.submitter, async () => {
      try {
        const { data } = await api.post(`/members/${current.member.id}/feedback`, payload);
        form.reset();
        show(box, "ok", t("feedback.done", { score: data.score }), data.detractor ? el("p", { class: "detail", text: t("feedback.held") }) : null);
      } catch (err) {
        if (!showFieldErrors(form, err)) showError(box, err);
      }
    });
  });

  // ------------------------------------------------------------------ cards: PDF, approve, reject, replace

  /** The PDF needs the bearer token: fetch it as a blob and hand the browser an object URL to save/open. */
  async function downloadCard(number, box) {
    try {
      const response = await api.request("GET", `/cards/${encodeURIComponent(number)}/pdf`, { raw: true });
      const url = URL.createObjectURL(await response.blob());
      const link = el("a", { href: url, download: `card-${number}.pdf` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (err) {
      showError(box || $("card-result"), err, { 409: t("card.pdf_held") });
    }
  }
  $("card-pdf").addEventListener("click", () => current && current.card && downloadCard(current.card.number));

  async function approve(number, box) {
    await api.post(`/cards/${encodeURIComponent(number)}/approve`);
    show(box, "ok", t("card.approved"));
  }

  async function reject(number, box) {
    const answer = await confirmInline(box, t("card.reject_confirm"), t("card.reject"), { reasonLabel: t("card.reject_reason"), danger: true });
    if (!answer.ok) return false;
    await api.post(`/cards/${encodeURIComponent(number)}/reject`, { reason: answer.reason });
    show(box, "ok", t("card.rejected"));
    return true;
  }

  $("card-approve").addEventListener("click", async (event) => {
    const box = $("card-result");
    await busy(event.target, async () => {
      try { await approve(current.card.number, box); await refreshMember(); show(box, "ok", t("card.approved")); loadHeld(); } catch (err) { showError(box, err); }
    });
  });
  $("card-reject").addEventListener("click", async () => {
    const box = $("card-result");
    try {
      if (await reject(current.card.number, box)) { await refreshMember(); show(box, "ok", t("card.rejected")); loadHeld(); }
    } catch (err) { showError(box, err); }
  });
  $("card-replace").addEventListener("click", async () => {
    const box = $("card-result");
    const answer = await confirmInline(box, t("card.replace_confirm"), t("card.replace"), { reasonLabel: t("card.replace_reason"), danger: true });
    if (!answer.ok) { $("card-replace").focus(); return; }
    try {
      const { data } = await api.post(`/cards/${encodeURIComponent(current.card.number)}/replace`, { reason: answer.reason });
      await refreshMember();
      show(box, "ok", t("card.replaced", { number: data.number_display }),
        el("button", { type: "button", class: "small", onclick: () => downloadCard(data.number, box) }, t("card.pdf")));
    } catch (err) { showError(box, err); }
  });

  // ------------------------------------------------------------------ held cards (staff review)

  async function loadHeld() {
    const list = $("held-list");
    try {
      const held = await api.get("/cards?status=pending_review");
      list.replaceChildren(...(held.length ? held.map((h) => {
        const box = el("div", { class: "result", role: "status", "aria-live": "polite" });
        const fb = h.feedback;
        const note = fb ? `${t("held.feedback", { score: fb.score })}${fb.comment ? ` — “${fb.comment}”` : ""} · ${formatTime(fb.created_at)}` : t("held.no_feedback");
        return el("li", {},
          el("p", {}, el("strong", { text: h.member.full_name }), " · ", el("span", { text: h.card.number_display })),
          el("p", { class: "detail", text: note }),
          el("div", { class: "row" },
            el("button", { type: "button", class: "small secondary", "aria-label": `${t("find.open")}: ${h.member.full_name}`, onclick: () => loadMember(h.member.id).catch((e) => showError(box, e)) }, t("find.open")),
            el("button", { type: "button", class: "small", onclick: async (e) => {
              await busy(e.target, async () => { try { await approve(h.card.number, box); loadHeld(); if (current && current.member.id === h.member.id) refreshMember(); } catch (err) { showError(box, err); } });
            }, "aria-label": `${t("card.approve")}: ${h.member.full_name}` }, t("card.approve")),
            el("button", { type: "button", class: "small danger", onclick: async () => {
              try { if (await reject(h.card.number, box)) { loadHeld(); if (current && current.member.id === h.member.id) refreshMember(); } } catch (err) { showError(box, err); }
            }, "aria-label": `${t("card.reject")}: ${h.member.full_name}` }, t("card.reject"))),
          box);
      }) : [el("li", { text: t("held.none") })]));
    } catch (err) { showError($("held-result"), err); }
  }

  // ------------------------------------------------------------------ personal page link, coupon check

  $("self-link").addEventListener("click", async (event) => {
    if (!current) return;
    await busy(event.target, async () => {
      try {
        const { url } = await api.get(`/members/${current.member.id}/self-link`);
        const link = $("self-link-url");
        link.href = url;
        link.textContent = url;
        link.hidden = false;
      } catch (err) { showError($("member-result"), err); }
    });
  });

  const couponMessages = () => ({ 404: t("coupon.404"), 409: t("coupon.409"), 410: t("coupon.410"), 422: t("coupon.422") });
  const code = () => encodeURIComponent($("coupon-code").value.trim());

  $("coupon-check").addEventListener("click", async (event) => {
    const box = $("coupon-result");
    const form = $("coupon-form");
    clearFieldErrors(form);
    if (!$("coupon-code").value.trim()) { fieldError($("coupon-code"), t("field.required")); $("coupon-code").focus(); return; }
    await busy(event.target, async () => {
      try {
        const coupon = await api.get(`/coupons/${code()}`);
        if (coupon.redeemable_now === false) {
          const heading = coupon.status === "redeemed" ? t("coupon.409") : coupon.status === "expired" ? t("coupon.410") : localText(coupon.reason) || coupon.status;
          show(box, "error", heading, el("p", { class: "detail", text: couponText(coupon) }));
        } else {
          show(box, "ok", `${t("coupon.valid")} ${coupon.member_name} · ${couponText(coupon)}`);
        }
      } catch (err) { showError(box, err, couponMessages()); }
    });
  });

  $("coupon-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const box = $("coupon-result");
    clearFieldErrors(form);
    if (!$("coupon-code").value.trim()) { fieldError($("coupon-code"), t("field.required")); $("coupon-code").focus(); return; }
    const read = await readAmount($("coupon-amount"), box, { required: false });
    if (!read.ok) return;
    const amount = read.value;
    const body = amount ? { purchase_amount: amount } : {};
    const key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
    await busy(event.submitter, async () => {
      try {
        const { data } = await api.request("POST", `/coupons/${code()}/redeem`, { json: body, headers: { "Idempotency-Key": key } });
        const money = [];
        if (data && data.discount != null) money.push(`${t("coupon.discount")}: ${formatMoney(data.discount)}`);
        if (data && data.amount_due != null) money.push(`${t("coupon.amount_due")}: ${formatMoney(data.amount_due)}`);
        show(box, "ok big", `${t("coupon.redeemed")} ${money.join(" · ")}`, el("p", { class: "detail", text: `${data.member_name} · ${couponText(data || {})}` }));
        if (current) refreshMember().catch(() => {});
      } catch (err) { showError(box, err, couponMessages()); }
    });
  });

  App.gate().then((me) => {
    if (me) { loadHeld(); $("find-query").focus(); }
  });
  $("find-query").focus();
})();

/* The member's own page: consent, a pause, occasions with their purpose. The link's token is the credential. */
"use strict";

(() => {
  const { t, api, el, show, showError, busy, formatDate, formatLastDay, formatMoney, clearFieldErrors, fieldError, showFieldErrors } = App;
  const dayFormat = new Intl.DateTimeFormat(App.LANG, { day: "numeric", month: "long", year: "numeric" });
  const formatDay = (iso) => { const [y, m, d] = String(iso).split("-").map(Number); return dayFormat.format(new Date(y, m - 1, d)); };
  const UNDO_SECONDS = 6; // an occasion "no longer celebrated" can be taken back this long
  const $ = (id) => document.getElementById(id);
  const token = encodeURIComponent($("self").dataset.token);
  const base = `/self/${token}`;
  const { kinds } = JSON.parse($("self-data").textContent);
  let state = null;

  function render(page) {
    state = page;
    const m = page.member;
    $("self-hello").textContent = t("self.hello", { name: m.full_name });
    $("self-sms").checked = m.consent.sms;
    $("self-email").checked = m.consent.email;
    $("self-email").disabled = !m.has_email && !m.consent.email;
    $("self-no-email").hidden = m.has_email;
    $("email-current").textContent = m.email ? t("self.email.current", { address: m.email }) : t("self.email.none");
    $("pause-state").textContent = !m.paused ? t("self.pause.active")
      : m.paused_through ? `${t("self.pause.paused")} ${t("self.pause.through", { day: formatDay(m.paused_through) })}` : t("self.pause.paused");
    renderCard(page);
    renderProgress(page);
    renderCoupons(page.coupons);
    $("pause-form").hidden = m.paused;
    $("resume").hidden = !m.paused;
    renderOccasions(page.occasions);
  }

  function renderCard(page) {
    const box = $("self-card");
    const card = page.card;
    box.replaceChildren();
    if (!card) { box.append(el("p", { text: t("self.card.none") })); return; }
    if (card.status !== "active") { box.append(el("p", { text: t("self.card.held") })); return; }
    box.append(
      el("p", { class: "card-number", text: card.number_display }),
      page.card_qr ? el("img", { class: "qr", src: page.card_qr, alt: `${t("self.card.qr")}: ${card.number_display}` }) : null,
      el("p", {}, el("button", { type: "button", id: "self-card-pdf", onclick: (e) => downloadCard(card.number, e.target) }, t("self.card.pdf"))));
    const wallets = $("self").dataset;
    if (wallets.appleWallet) {  // a plain link: Safari opens a .pkpass in Wallet itself
      box.append(el("p", {}, el("a", { class: "button wallet", id: "self-card-apple", href: `/m/${token}/card.pkpass` }, t("self.card.apple_wallet"))));
    }
    if (wallets.googleWallet) {  // our route answers with Google's save page and the signed card
      box.append(el("p", {}, el("a", { class: "button wallet", id: "self-card-google", href: `/m/${token}/card/google` }, t("self.card.google_wallet"))));
    }
    if (wallets.appleWallet || wallets.googleWallet) box.append(el("p", { class: "hint", text: t("self.card.wallet_note") }));
  }

  async function downloadCard(number, button) {
    await busy(button, async () => {
      try {
        const response = await api.request("GET", `${base}/card.pdf`, { raw: true });
        const url = URL.createObjectURL(await response.blob());
        const link = el("a", { href: url, download: `card-${number}.pdf` });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60000);
      } catch (err) { showError($("card-result"), err); }
    });
  }

  function renderProgress(page) {
    const p = page.card_progress;
    const hasCard = page.card && page.card.status === "active";
    $("progress-section").hidden = hasCard;
    $("self-progress-bar").max = p.needed;
    $("self-progress-bar").value = Math.min(p.visits, p.needed);
    $("self-progress").textContent = t("self.progress.text", { visits: p.visits, needed: p.needed, days: p.window_days });
  }

  function renderCoupons(list) {
    const ul = $("self-coupons");
    ul.replaceChildren();
    if (!list.length) { ul.append(el("li", { text: t("self.coupons.none") })); return; }
    for (const c of list) {
      const offer = c.offer.kind === "percent" ? App.formatPercent(Number(c.offer.value) / 100) : formatMoney(c.offer.value);
      const min = c.offer.min_purchase != null ? ` · ${t("camp.min_purchase")}: ${formatMoney(c.offer.min_purchase)}` : "";
      ul.append(el("li", {}, el("strong", { class: "code", text: c.code }), el("span", { text: ` · ${offer}${min} · ${t("coupon.last_day", { day: formatLastDay(c.expires_at) })}` })));
    }
  }

  function dateText(o) {
    return o.year ? formatDate(o.date) : new Intl.DateTimeFormat(App.LANG, { day: "numeric", month: "long" })
      .format(new Date(2000, o.month - 1, o.day));
  }

  function renderOccasions(list) {
    const ul = $("occasions");
    ul.replaceChildren();
    if (!list.length) { ul.append(el("li", { text: t("self.occasions.none") })); return; }
    for (const o of list) {
      const recurrence = t(o.recurrence === "once" ? "self.occasions.once" : "self.occasions.yearly");
      const next = o.next_occurrence ? ` · ${t("self.occasions.next")}: ${formatDate(o.next_occurrence)}` : "";
      ul.append(el("li", { "data-id": o.id },
        el("p", {}, el("strong", { text: `${kinds[o.kind] || o.kind} · ${o.for_whom_addressed || o.for_whom_label}` }),
          ` · ${dateText(o)} · ${recurrence}${next}`),
        el("p", {}, el("q", { text: o.purpose })),
        el("button", { type: "button", class: "small secondary", onclick: () => retire(o) }, t("self.occasions.retire"))));
    }
  }

  let pending = null; // the occasion being retired: { occasion, timer } until the undo time is over

  async function commitRetire() {
    if (!pending) return;
    const { occasion, timer } = pending;
    pending = null;
    clearTimeout(timer);
    const box = $("occasions-undo");
    try {
      await api.del(`${base}/occasions/${occasion.id}`);
      render(await api.get(base));
      show(box, "ok", t("self.occasions.retired"));
    } catch (err) { showError(box, err); }
  }

  /** "No longer celebrate this": hidden at once, retired for good after a few seconds unless taken back. */
  async function retire(occasion) {
    await commitRetire(); // one at a time: an earlier one is settled first
    const item = document.querySelector(`#occasions li[data-id="${occasion.id}"]`);
    if (item) item.hidden = true;
    const box = $("occasions-undo");
    const name = `${kinds[occasion.kind] || occasion.kind} · ${occasion.for_whom_label}`;
    const undo = el("button", { type: "button", class: "small", onclick: () => {
      clearTimeout(pending.timer);
      pending = null;
      if (item) item.hidden = false;
      box.replaceChildren();
      const again = item && item.querySelector("button");
      if (again) again.focus();
    } }, t("common.undo"));
    show(box, "info", t("self.occasions.undo_note", { name }), undo);
    undo.focus();
    pending = { occasion, timer: setTimeout(commitRetire, UNDO_SECONDS * 1000) };
  }
  // leaving the page within the undo time still retires it
  window.addEventListener("pagehide", () => {
    if (pending) fetch(`${App.API}${base}/occasions/${pending.occasion.id}`, { method: "DELETE", keepalive: true });
  });

  $("consent-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = $("consent-result");
    await busy(event.submitter, async () => {
      try {
        for (const channel of ["sms", "email"]) {
          const wanted = $("self-" + channel).checked;
          if (wanted !== state.member.consent[channel]) {
            render((await api.post(`${base}/consent`, { channel, granted: wanted })).data);
          }
        }
        show(box, "ok", t("self.consent.saved"));
      } catch (err) { showError(box, err); }
    });
  });

  $("email-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const box = $("email-result");
    clearFieldErrors(form);
    await busy(event.submitter, async () => {
      try {
        const { data } = await api.post(`${base}/email`, { email: $("email-new").value.trim(), consent: $("email-consent").checked });
        show(box, "ok", t("self.email.sent", { address: data.sent_to }));
        form.reset();
      } catch (err) {
        if (showFieldErrors(form, err)) box.replaceChildren(); else showError(box, err);
      }
    });
  });

  $("pause-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = $("pause-result");
    const form = event.target;
    const until = $("pause-until").value; // YYYY-MM-DD: the last paused day, sent and shown as chosen
    clearFieldErrors(form);
    await busy(event.submitter, async () => {
      try { render((await api.post(`${base}/pause`, until ? { until } : {})).data); box.replaceChildren(); } catch (err) {
        if (showFieldErrors(form, err)) box.replaceChildren(); else showError(box, err);
      }
    });
  });

  $("resume").addEventListener("click", async (event) => {
    const box = $("pause-result");
    await busy(event.target, async () => {
      try { render((await api.post(`${base}/resume`, {})).data); box.replaceChildren(); } catch (err) { showError(box, err); }
    });
  });

  $("add-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const box = $("add-result");
    const date = form.date.value; // YYYY-MM-DD
    const payload = {
      kind: form.kind.value, for_whom: form.for_whom.value, purpose: form.purpose.value.trim(),
      date: form.no_year.checked ? date.slice(5) : date, remind_days_before: Number(form.remind_days_before.value || 3),
    };
    if (form.relation_name.value.trim() && payload.for_whom !== "self") payload.relation_name = form.relation_name.value.trim();
    if (form.recurrence.value) payload.recurrence = form.recurrence.value;
    clearFieldErrors(form);
    const missing = ["purpose", "date"].filter((name) => !form[name].value.trim());
    if (missing.length) {
      for (const name of missing) fieldError(form[name], t("field.required"));
      form[missing[0]].focus();
      return;
    }
    await busy(event.submitter, async () => {
      try {
        await api.post(`${base}/occasions`, payload);
        render(await api.get(base));
        form.reset();
        show(box, "ok", t("self.add.done"));
      } catch (err) {
        if (showFieldErrors(form, err)) box.replaceChildren(); else showError(box, err);
      }
    });
  });

  api.get(base).then((page) => {
    for (const node of document.querySelectorAll(".needs-role")) node.hidden = false;
    render(page);
  }).catch((err) => showError($("self-error"), err, { 404: t("self.invalid") }));
})();

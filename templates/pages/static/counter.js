/* Counter: find a member (phone in any form, card scan, name), register, record purchases, card PDF, coupons. */
"use strict";

(() => {
  const { t, api, el, show, showError, busy, formatDate, formatMoney } = App;
  const $ = (id) => document.getElementById(id);
  let current = null; // { member, card }

  const digits = (text) => text.replace(/[\s\-().]/g, "");

  /** Automatic search kind: letters -> name; +90 / 0... / 5xxxxxxxxx -> phone; other digits -> card. */
  function guessKind(query) {
    const compact = digits(query);
    if (/[^\d+]/.test(compact)) return "name";
    if (compact.startsWith("+") || compact.startsWith("0") || (compact.length === 10 && compact.startsWith("5"))
        || (compact.length === 12 && compact.startsWith("90"))) return "phone";
    return "card";
  }


  function renderMember() {
    const { member, card, coupons } = current;
    $("member-panel").hidden = false;
    $("member-name").textContent = member.full_name;
    $("member-phone").textContent = member.phone || "";
    $("member-email").textContent = member.email || t("common.none");
    const consent = member.consent;
    $("member-consent").textContent = `SMS: ${t(consent.sms ? "common.yes" : "common.no")} · ${t("member.email")}: ${t(consent.email ? "common.yes" : "common.no")}`
      + (member.paused ? ` · ${t("member.paused")}` : "");
    if (card) {
      $("member-card").textContent = `${card.number_display || card.number} (${t("card.status." + card.status)})`;
      $("member-card").dataset.number = card.number;
      $("card-pdf").hidden = false;
    } else {
      $("member-card").textContent = t("member.no_card");
      delete $("member-card").dataset.number;
      $("card-pdf").hidden = true;
    }
    const list = $("member-coupons");
    list.replaceChildren();
    if (!coupons || !coupons.length) list.append(el("li", { text: t("member.no_coupons") }));
    else for (const c of coupons) list.append(el("li", { text: couponText(c) }));
  }

  function offerText(c) {
    return c.offer.kind === "percent" ? `%${Number(c.offer.value)}` : formatMoney(c.offer.value);
  }

  function couponText(c) {
    const parts = [c.code, offerText(c), c.member_name];
    if (c.offer.min_purchase != null) parts.push(`${t("camp.min_purchase")}: ${formatMoney(c.offer.min_purchase)}`);
    if (c.expires_at) parts.push(`${t("coupon.expires")}: ${formatDate(c.expires_at)}`);
    return parts.filter(Boolean).join(" · ");
  }

  /** Load and show a member; ``scan`` is a card scan answer {card, member, active_coupons} when there is one. */
  async function loadMember(memberId, scan) {
    const member = await api.get(`/members/${memberId}`);
    let card = scan ? scan.card : null;
    if (!card) {
      try { card = await api.get(`/members/${memberId}/card`); } catch (err) { if (err.status !== 404) throw err; }
    }
    const coupons = scan ? scan.active_coupons : await api.get(`/members/${memberId}/coupons`);
    current = { member, card, coupons };
    $("self-link-url").hidden = true;
    renderMember();
    $("purchase-amount").focus();
  }

  $("find-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const query = $("find-query").value.trim();
    const kind = $("find-by").value === "auto" ? guessKind(query) : $("find-by").value;
    const box = $("find-result");
    await busy(event.submitter, async () => {
      try {
        if (kind === "card") {
          const scan = await api.get(`/cards/${encodeURIComponent(digits(query))}`);
          await loadMember(scan.member.id, scan);
          box.replaceChildren();
          return;
        }
        const param = kind === "phone" ? "phone" : "q";
        const found = await api.get(`/members?${param}=${encodeURIComponent(query)}`);
        if (!found.length) { show(box, "info", t("find.none")); return; }
        if (found.length === 1) { box.replaceChildren(); await loadMember(found[0].id); return; }
        const choices = el("ul", { class: "plain" }, found.map((m) => el("li", {},
          el("button", { type: "button", class: "link", onclick: () => { box.replaceChildren(); loadMember(m.id).catch((err) => showError(box, err)); } },
            `${m.full_name} · ${m.phone}`))));
        show(box, "info", t("find.choose"), choices);
      } catch (err) {
        showError(box, err, kind === "card" ? { 404: t("find.none") } : undefined);
      }
    });
  });

  $("register-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const box = $("register-result");
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
        show(box, "ok", `${t("register.done")} ${data.full_name} · ${data.phone}`);
        form.reset();
        current = { member: data, card: null, coupons: [] };
        renderMember();
        $("purchase-amount").focus();
      } catch (err) {
        showError(box, err, { 409: t("register.exists") });
        const existing = err.detail && err.detail.member_id;
        if (err.status === 409 && existing != null) {
          box.append(el("button", { type: "button", onclick: () => loadMember(existing).catch((e) => showError(box, e)) }, t("register.open_existing")));
        }
      }
    });
  });

  $("purchase-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const box = $("purchase-result");
    if (!current) { show(box, "error", t("purchase.select_member")); return; }
    const payload = { amount: form.amount.value, receipt_id: form.receipt_id.value.trim() };
    await busy(event.submitter, async () => {
      try {
        const { status, data } = await api.post(`/members/${current.member.id}/purchases`, payload);
        const repeated = status === 200 || data.created === false;
        if (data.card) current.card = data.card;
        renderMember();
        if (data.card_issued && data.card) {
          const pending = data.card.status === "pending_review";
          show(box, pending ? "info" : "ok big", pending ? t("purchase.card_pending") : `${t("purchase.card_issued")} ${data.card.number_display || data.card.number}`,
            pending ? null : el("button", { type: "button", onclick: () => downloadCard(data.card.number, box) }, t("card.pdf")));
        } else {
          const amount = data.purchase && data.purchase.amount !== undefined ? data.purchase.amount : payload.amount;
          show(box, repeated ? "info" : "ok", repeated ? t("purchase.repeat") : `${t("purchase.done")} ${formatMoney(amount)}`);
        }
        if (!repeated) form.reset();
      } catch (err) {
        showError(box, err);
      }
    });
  });

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
      showError(box || $("member-result"), err);
    }
  }
  $("card-pdf").addEventListener("click", () => current && current.card && downloadCard(current.card.number));

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
    if (!$("coupon-code").reportValidity()) return;
    await busy(event.target, async () => {
      try {
        const coupon = await api.get(`/coupons/${code()}`);
        if (coupon.redeemable_now === false) {
          const heading = coupon.status === "redeemed" ? t("coupon.409") : coupon.status === "expired" ? t("coupon.410") : coupon.reason || coupon.status;
          show(box, "error", heading, el("p", { class: "detail", text: [couponText(coupon), coupon.reason].filter(Boolean).join(" · ") }));
        } else {
          show(box, "ok", `${t("coupon.valid")} ${couponText(coupon)}`);
        }
      } catch (err) { showError(box, err, couponMessages()); }
    });
  });

  $("coupon-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = $("coupon-result");
    const amount = $("coupon-amount").value;
    const body = amount ? { purchase_amount: amount } : {};
    const key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
    await busy(event.submitter, async () => {
      try {
        const { data } = await api.request("POST", `/coupons/${code()}/redeem`, { json: body, headers: { "Idempotency-Key": key } });
        const money = [];
        if (data && data.discount != null) money.push(`${t("coupon.discount")}: ${formatMoney(data.discount)}`);
        if (data && data.amount_due != null) money.push(`${t("coupon.amount_due")}: ${formatMoney(data.amount_due)}`);
        show(box, "ok big", `${t("coupon.redeemed")} ${money.join(" · ")}`, el("p", { class: "detail", text: couponText(data || {}) }));
        if (current) loadMember(current.member.id).catch(() => {});
      } catch (err) { showError(box, err, couponMessages()); }
    });
  });

  App.gate();
})();

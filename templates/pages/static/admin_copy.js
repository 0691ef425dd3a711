/* The shop's default message words on /admin (PUT /shop/message-copy): per language and channel, with the
   same placeholder checks, live preview and parts as marketing's panel (copy_panel.js). An empty text goes
   back to the product's built-in template. */
"use strict";

(() => {
  const { t, api, show, showError, busy } = App;
  let saved = {}; // {tr: {sms, email, subject}, en: {...}} as stored
  const panel = App.copyPanel("dcopy", { onSwitch: fill, empty: t("admin.copy.builtin") });
  if (!panel) return;

  /** Put the stored words of the chosen language and channel in the fields. */
  function fill({ locale, channel }) {
    const words = saved[locale] || {};
    panel.field("text").value = words[channel] || "";
    panel.field("subject").value = words.subject || "";
  }

  async function load() {
    try {
      saved = (await api.get("/shop/message-copy")).message_copy || {};
    } catch (err) {
      showError(panel.field("result"), err);
      return;
    }
    fill(panel.body());
    panel.preview();
  }

  panel.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = panel.field("result");
    const { locale } = panel.body();
    result.replaceChildren(); // never a new answer under an old one
    result.className = "result";
    const merged = { ...saved, [locale]: { ...(saved[locale] || {}), ...panel.parts() } };
    await busy(panel.form.querySelector("button[type=submit]"), async () => {
      try {
        saved = (await api.request("PUT", "/shop/message-copy", { json: { message_copy: merged } })).data.message_copy || {};
      } catch (err) {
        showError(result, err);
        panel.markFields(err, { focus: true });
        return;
      }
      show(result, "ok", t("admin.copy.saved"));
    });
  });

  App.gate().then((me) => { if (me && me.role === "admin") load(); });
})();

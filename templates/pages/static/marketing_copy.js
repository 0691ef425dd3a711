/* Marketing's own words on a draft campaign: the live preview is copy_panel.js's; this saves them. */
"use strict";

(() => {
  const { t, api, show, showError } = App;
  const panel = App.copyPanel("copy");
  if (!panel) return;
  panel.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = panel.field("result");
    const id = panel.field("campaign").value;
    if (!id) return;
    const { locale } = panel.body();
    result.replaceChildren(); // never a new answer under an old one
    result.className = "result";
    try {
      await api.request("PUT", `/campaigns/${id}/copy`, { json: { message_copy: { [locale]: panel.parts() } } });
      show(result, "ok", t("copy.saved"));
    } catch (err) {
      showError(result, err);
      panel.markFields(err, { focus: true });
    }
  });
  if (App.auth.token) panel.preview();
})();

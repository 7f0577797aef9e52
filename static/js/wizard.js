// Live figures for the entry wizard. Every figure shown comes from the server (rules.py through
// /live/); this script only displays what the server answers. Row editing is in grid.js.
(function () {
  "use strict";
  const form = document.getElementById("wizard");
  if (!form) return;

  let timer = null;
  function live() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      // URL-encoded (as the form's own submit), not multipart: cheaper for the server to read on every edit.
      const response = await fetch(form.dataset.live, {
        method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      Object.entries(data.figures).forEach(([key, value]) => {
        const el = document.querySelector(`[data-figure="${key}"]`);
        if (el) el.textContent = value;
      });
      if (window.Grid) window.Grid.showLive(data);
      else showFieldIssues(data.fields || {});
    }, 300);
  }
  form.addEventListener("input", live);
  form.addEventListener("change", live);

  // A field step: the message under each field follows what the server says now.
  function showFieldIssues(fields) {
    form.querySelectorAll(".fields .field").forEach((box) => {
      const name = box.id.replace(/^field-/, "");
      const input = box.querySelector(`[name="${name}"]`);
      let note = box.querySelector(".error");
      const message = fields[name] || fields[`analysis.${name}`];
      if (!message) {
        if (note) note.remove();
        if (input) input.removeAttribute("aria-describedby");
        return;
      }
      if (!note) {
        note = document.createElement("div");
        note.className = "error"; note.id = `err-${name}`;
        box.appendChild(note);
      }
      note.textContent = message;
      if (input) input.setAttribute("aria-describedby", note.id);
    });
  }

  // Enter in a one-line field moves to the next field; it never submits the step by accident.
  form.addEventListener("keydown", (event) => {
    const el = event.target;
    if (event.key !== "Enter" || event.defaultPrevented || !el.matches("input:not([type=submit]):not([type=button]), select")) return;
    if (el.form !== form) return;
    event.preventDefault();
    const fields = Array.from(form.querySelectorAll(".fields input:not([type=date]), .fields textarea, .fields select"));
    const next = fields[fields.indexOf(el) + 1];
    if (next) next.focus();
  });

  // The calendar beside a date field writes the date into it (the field also takes 2025/3/15 or 2025年3月15日).
  form.querySelectorAll("input[type=date][data-date-for]").forEach((picker) => {
    const field = form.querySelector(`[name="${picker.dataset.dateFor}"]`);
    if (/^\d{4}-\d{2}-\d{2}$/.test(field.value)) picker.value = field.value;
    picker.addEventListener("change", () => {
      if (picker.value) { field.value = picker.value; field.dispatchEvent(new Event("input", { bubbles: true })); }
    });
  });

  // Answer a reviewer's comment in place: whatever is typed in the form stays on the page.
  document.querySelectorAll("form.reply-form").forEach((replyForm) => {
    replyForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = document.querySelector(`input[form="${replyForm.id}"]`);
      const body = new FormData(replyForm);
      body.set("reply", input ? input.value : "");
      let response = null;
      for (let attempt = 0; attempt < 4; attempt += 1) {  // a busy server (another save in flight) is retried
        if (attempt) await new Promise((resolve) => setTimeout(resolve, 400 * attempt));
        try {
          response = await fetch(replyForm.action, { method: "POST", body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
        } catch (e) { response = null; continue; }
        if (response.status < 500) break;
      }
      if (!response) response = { ok: false, json: async () => ({}) };
      const data = await response.json().catch(() => ({}));
      const box = input ? input.closest("li, .comment") : null;
      const shown = box ? box.querySelector(".reply-text") : null;
      if (shown) shown.textContent = response.ok ? `已答复：${data.reply}` : (data.error || "答复未保存，请重试。");
      if (response.ok && input) input.value = "";
    });
  });
})();

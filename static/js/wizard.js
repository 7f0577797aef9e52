// Row editing and live figures for the entry wizard. Every figure shown comes from the server
// (rules.py through /live/); this script only moves rows and displays what the server answers.
(function () {
  "use strict";
  const form = document.getElementById("wizard");
  if (!form) return;
  const body = document.querySelector("#rows tbody");
  const template = document.getElementById("row-template");

  function addRow(values) {
    const row = template.content.firstElementChild.cloneNode(true);
    Object.entries(values || {}).forEach(([name, value]) => {
      const input = row.querySelector(`[name="${name}"]`);
      if (input) input.value = value;
    });
    body.appendChild(row);
    live();
    return row;
  }

  const add = document.getElementById("add-row");
  if (add) add.addEventListener("click", () => addRow().querySelector("input, textarea")?.focus());

  const library = document.getElementById("library");
  const filter = document.getElementById("library-filter");
  // Narrow the library's list to the entries containing the typed words (text matching only).
  const prompt = library ? library.options[0].textContent : "";
  if (library && filter) filter.addEventListener("input", () => {
    const words = filter.value.trim().split(/\s+/).filter(Boolean);
    let shown = 0;
    Array.from(library.options).slice(1).forEach((option) => {
      option.hidden = !words.every((w) => option.textContent.includes(w));
      if (!option.hidden) shown += 1;
    });
    library.options[0].textContent = words.length ? `${prompt}（${shown} 项）` : prompt;
  });
  if (library) library.addEventListener("change", () => {
    const option = library.selectedOptions[0];
    if (option && option.value !== "") {
      addRow({ level1: option.dataset.level1, level2: option.dataset.level2, name: option.dataset.name, target: option.dataset.target });
    }
    library.selectedIndex = 0;
  });

  if (body) body.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const row = button.closest("tr");
    if (button.hasAttribute("data-remove")) { row.remove(); live(); }
    const move = button.getAttribute("data-move");
    if (move === "-1" && row.previousElementSibling) { row.parentNode.insertBefore(row, row.previousElementSibling); live(); }
    if (move === "1" && row.nextElementSibling) { row.parentNode.insertBefore(row.nextElementSibling, row); live(); }
  });

  let timer = null;
  function live() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const response = await fetch(form.dataset.live, { method: "POST", body: new FormData(form), credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      Object.entries(data.figures).forEach(([key, value]) => {
        const el = document.querySelector(`[data-figure="${key}"]`);
        if (el) el.textContent = value;
      });
      if (!body) return;
      const rows = Array.from(body.rows).filter((tr) => tr.querySelector("input, textarea"));
      let index = 0;
      rows.forEach((tr) => {
        const filled = Array.from(tr.querySelectorAll("input, textarea")).some((el) => el.value.trim() !== "");
        if (!filled) return;  // the server skips empty rows too
        const result = data.rows[index++] || {};
        tr.querySelectorAll("[data-live-issue]").forEach((el) => el.remove());
        tr.querySelectorAll("[data-issue]").forEach((el) => el.remove());
        ["parsed", "score", "deviation", "rate"].forEach((key) => {
          const cell = tr.querySelector(`[data-out="${key}"]`);
          if (cell && key in result) cell.textContent = result[key];
        });
        tr.classList.toggle("needs-reason", !!result.reason_required);
        if (result.reason_required) {
          const cell = tr.querySelector('[data-out="deviation"]');
          const note = document.createElement("div");
          note.className = "error"; note.dataset.liveIssue = ""; note.textContent = "须填写原因";
          cell.appendChild(note);
        }
        Object.entries(result.issues || {}).forEach(([name, messages]) => {
          const input = tr.querySelector(`[name="${name}"]`);
          if (!input) return;
          messages.forEach((message) => {
            const note = document.createElement("div");
            note.className = "error"; note.dataset.liveIssue = ""; note.textContent = message;
            input.parentNode.appendChild(note);
          });
        });
      });
    }, 300);
  }
  form.addEventListener("input", live);
  form.addEventListener("change", live);
})();

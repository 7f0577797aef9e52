// The row steps as a spreadsheet: paste a block from Excel/WPS, move with arrows and Enter, insert,
// move and delete rows with undo. Native inputs only; which cells apply to a row, and every figure,
// come from the server (the live endpoint) — this script never computes a figure.
(function () {
  "use strict";
  const container = document.getElementById("rows");
  const form = document.getElementById("wizard");
  if (!container || !form) return;
  const isTable = container.tagName === "TABLE";
  const body = isTable ? container.tBodies[0] : container;
  const template = document.getElementById("row-template");
  const rowsName = container.dataset.rows;
  const columns = isTable
    ? Array.from(container.tHead.rows[0].querySelectorAll("th[data-col]")).map((th) => ({ name: th.dataset.col, label: th.dataset.label }))
    : [];
  const undoStack = [];
  const undoButton = document.getElementById("undo");
  const undoText = document.getElementById("undo-text");

  const changed = () => form.dispatchEvent(new Event("input", { bubbles: true }));
  const dataRows = () => Array.from(body.children).filter((el) => el.hasAttribute("data-row"));
  const fieldOf = (el) => el && el.closest && el.closest("[data-col]");

  // A data row and the comment rows that follow it travel together.
  function unit(row) {
    const nodes = [row];
    let next = row.nextElementSibling;
    while (next && next.classList.contains("comment-row")) { nodes.push(next); next = next.nextElementSibling; }
    return nodes;
  }

  function renumber() {
    dataRows().forEach((row, i) => {
      const n = i + 1;
      row.id = `${rowsName}-${n}`;
      const number = row.querySelector(".rownum");
      if (number) number.textContent = n;
      row.querySelectorAll("td[data-col]").forEach((td) => {
        td.id = `${row.id}-${td.dataset.col}`;
        const input = td.querySelector("[name]");
        const col = columns.find((c) => c.name === td.dataset.col);
        if (input && col) input.setAttribute("aria-label", `第 ${n} 行 ${col.label}`);
        const error = td.querySelector(".error");
        if (error && input) { error.id = `err-${td.id}`; input.setAttribute("aria-describedby", error.id); }
      });
      if (!isTable) {
        const label = row.querySelector(".rownum-label");
        const title = row.querySelector("[name=title]");
        const text = row.querySelector("[name=text]");
        if (label) label.textContent = `第 ${n} 节标题`;
        if (title) { title.id = `${row.id}-title-input`; if (label) label.htmlFor = title.id; title.removeAttribute("aria-label"); }
        if (text) text.setAttribute("aria-label", `第 ${n} 节内容`);
      }
      unit(row).slice(1).forEach((c) => { c.dataset.commentFor = row.id; });
    });
  }

  function say(text) {
    if (undoText) undoText.textContent = text;
    if (undoButton) undoButton.hidden = undoStack.length === 0;
  }

  function rowName(row) {
    const name = row.querySelector("[name=name], [name=title], [name=task], [name=line]");
    if (!name) return "";
    const value = name.tagName === "SELECT" ? (name.selectedOptions[0] || {}).textContent : name.value;
    return value && value.trim() ? `（${value.trim()}）` : "";
  }

  function newRow(values) {
    const row = template.content.firstElementChild.cloneNode(true);
    Object.entries(values || {}).forEach(([name, value]) => {
      const input = row.querySelector(`[name="${name}"]`);
      if (input) setValue(input, value);
    });
    return row;
  }

  function addRow(values, after) {
    const row = newRow(values);
    if (after) {
      const nodes = unit(after);
      nodes[nodes.length - 1].after(row);
    } else {
      body.appendChild(row);
    }
    renumber();
    return row;
  }

  function insertRow(after) {
    const row = addRow({}, after);
    undoStack.push({ undo: () => row.remove() });
    say(`已插入第 ${dataRows().indexOf(row) + 1} 行。`);
    changed();
    return row;
  }

  function moveRow(row, direction) {
    const rows = dataRows();
    const index = rows.indexOf(row);
    const other = rows[index + direction];
    if (!other) return false;
    const mine = unit(row);
    if (direction < 0) other.before(...mine);
    else { const theirs = unit(other); theirs[theirs.length - 1].after(...mine); }
    renumber();
    undoStack.push({ undo: () => { moveRow(row, -direction); undoStack.pop(); } });
    say(`已将第 ${index + 1} 行移到第 ${index + 1 + direction} 行。`);
    changed();
    return true;
  }

  function deleteRow(row) {
    const nodes = unit(row);
    const number = dataRows().indexOf(row) + 1;
    const anchor = nodes[nodes.length - 1].nextSibling;
    const label = rowName(row);
    nodes.forEach((n) => n.remove());
    undoStack.push({ undo: () => nodes.forEach((n) => body.insertBefore(n, anchor && anchor.parentNode === body ? anchor : null)) });
    renumber();
    say(`已删除第 ${number} 行${label}。`);
    changed();
  }

  function undo() {
    const op = undoStack.pop();
    if (!op) return;
    op.undo();
    renumber();
    say("已撤销。");
    changed();
  }
  if (undoButton) undoButton.addEventListener("click", undo);

  // ---- focus movement -------------------------------------------------------------------------
  function focusable(td) {
    return td && !td.classList.contains("na") ? td.querySelector("input:not([type=date]), textarea, select") : null;
  }

  function cellIn(row, colName) {
    const order = columns.map((c) => c.name);
    const start = Math.max(0, order.indexOf(colName));
    for (let d = 0; d < order.length; d += 1) {  // nearest shown cell, left first
      for (const i of [start - d, start + d]) {
        const el = i >= 0 && i < order.length ? focusable(row.querySelector(`td[data-col="${order[i]}"]`)) : null;
        if (el) return el;
      }
    }
    return null;
  }

  function go(el) {
    if (!el) return;
    el.focus();
    if (el.select && el.tagName === "INPUT") el.select();
  }

  function vertical(row, colName, direction, create) {
    const rows = dataRows();
    let target = rows[rows.indexOf(row) + direction];
    if (!target && direction > 0 && create) {
      target = addRow();
      changed();
    }
    if (target) go(cellIn(target, colName));
  }

  function horizontal(el, direction) {
    const row = el.closest("[data-row]");
    const cells = Array.from(row.querySelectorAll("td[data-col]")).map(focusable).filter(Boolean);
    go(cells[cells.indexOf(el) + direction]);
  }

  function caretAtStart(el) { return el.selectionStart === 0 && el.selectionEnd === 0; }
  function caretAtEnd(el) { return el.selectionStart === el.value.length && el.selectionEnd === el.value.length; }

  container.addEventListener("keydown", (event) => {
    const el = event.target;
    if (!el.matches || !el.matches("input, textarea, select") || el.form !== form) return;
    const row = el.closest("[data-row]");
    if (!row) return;
    const col = (fieldOf(el) || {}).dataset ? fieldOf(el).dataset.col : null;
    const key = event.key;
    if (event.altKey && event.shiftKey && (key === "ArrowUp" || key === "ArrowDown")) {
      event.preventDefault();
      moveRow(row, key === "ArrowUp" ? -1 : 1);
      el.focus();
      return;
    }
    if (event.altKey && key === "Delete") {
      event.preventDefault();
      const rows = dataRows();
      const next = rows[rows.indexOf(row) + 1] || rows[rows.indexOf(row) - 1];
      deleteRow(row);
      if (next && isTable) go(cellIn(next, col));
      return;
    }
    if (event.altKey && (key === "z" || key === "Z")) { event.preventDefault(); undo(); return; }
    if (event.ctrlKey && key === "Enter") {
      event.preventDefault();
      const added = insertRow(row);
      go(isTable ? cellIn(added, col) : added.querySelector("[name=title]"));
      return;
    }
    if (!isTable) {
      if (key === "Enter" && el.tagName === "INPUT") event.preventDefault();  // never submit the step
      return;
    }
    if (key === "Enter") {
      event.preventDefault();  // Enter moves, as in Excel; it never submits the step
      if (event.altKey && el.tagName === "TEXTAREA") {
        el.setRangeText("\n", el.selectionStart, el.selectionEnd, "end");
        changed();
        return;
      }
      vertical(row, col, event.shiftKey ? -1 : 1, !event.shiftKey);
      return;
    }
    const isText = el.tagName !== "SELECT";
    if (key === "ArrowUp" || key === "ArrowDown") {
      if (event.altKey) return;  // Alt+↓ opens a list
      if (el.tagName === "TEXTAREA") {
        const before = el.value.slice(0, el.selectionStart);
        const after = el.value.slice(el.selectionEnd);
        if (key === "ArrowUp" && before.includes("\n")) return;
        if (key === "ArrowDown" && after.includes("\n")) return;
      }
      event.preventDefault();
      vertical(row, col, key === "ArrowUp" ? -1 : 1, false);
      return;
    }
    if (key === "ArrowLeft" && (!isText || caretAtStart(el))) { event.preventDefault(); horizontal(el, -1); return; }
    if (key === "ArrowRight" && (!isText || caretAtEnd(el))) { event.preventDefault(); horizontal(el, 1); }
  });

  // ---- paste a block from Excel / WPS ------------------------------------------------------------
  // Tab-separated rows; a cell holding a tab, a line break or a quote is quoted, quotes doubled.
  function parseTSV(text) {
    const rows = [];
    let row = [];
    let cell = "";
    let i = 0;
    let quoted = false;
    text = text.replace(/\r\n?/g, "\n");
    while (i < text.length) {
      const ch = text[i];
      if (quoted) {
        if (ch === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
        if (ch === '"') { quoted = false; i += 1; continue; }
        cell += ch; i += 1; continue;
      }
      if (ch === '"' && cell === "") { quoted = true; i += 1; continue; }
      if (ch === "\t") { row.push(cell); cell = ""; i += 1; continue; }
      if (ch === "\n") { row.push(cell); rows.push(row); row = []; cell = ""; i += 1; continue; }
      cell += ch; i += 1;
    }
    if (cell !== "" || row.length) { row.push(cell); rows.push(row); }
    return rows;
  }

  function setValue(input, text) {
    if (input.tagName !== "SELECT") { input.value = text; return true; }
    const wanted = text.trim();
    const option = Array.from(input.options).find((o) => o.value === wanted || o.textContent.trim() === wanted)
      || (wanted === "" ? input.options[0] : null);
    if (!option) return false;
    input.value = option.value;
    return true;
  }

  container.addEventListener("paste", (event) => {
    const el = event.target;
    if (!isTable || !el.matches || !el.matches("input, textarea, select")) return;
    const text = (event.clipboardData || window.clipboardData).getData("text/plain");
    if (!text) return;
    if (!/[\t\n]/.test(text.replace(/\r?\n$/, ""))) {
      // One cell: the browser pastes it, without the line break Excel puts after a copied cell.
      if (el.tagName === "SELECT") {  // a list cell takes a pasted label (定性档次, 资金行) too
        event.preventDefault();
        if (setValue(el, text.replace(/\r?\n$/, ""))) changed();
      } else if (/\r?\n$/.test(text) && el.setRangeText) {
        event.preventDefault();
        el.setRangeText(text.replace(/\r?\n$/, ""), el.selectionStart, el.selectionEnd, "end");
        changed();
      }
      return;
    }
    event.preventDefault();
    const matrix = parseTSV(text);
    const startRow = el.closest("[data-row]");
    const order = columns.map((c) => c.name);
    const startCol = order.indexOf(fieldOf(el).dataset.col);
    const changes = [];
    const added = [];
    const refused = [];
    let row = startRow;
    matrix.forEach((values, r) => {
      if (r > 0) {
        const rows = dataRows();
        row = rows[rows.indexOf(row) + 1];
        if (!row) { row = addRow(); added.push(row); }
      }
      values.forEach((value, c) => {
        const name = order[startCol + c];
        if (!name) return;
        const input = row.querySelector(`td[data-col="${name}"] [name]`);
        if (!input) return;
        const old = input.value;
        if (setValue(input, value)) changes.push({ input, old });
        else refused.push(`第 ${dataRows().indexOf(row) + 1} 行“${columns[startCol + c].label}”：“${value.trim()}”不是可选项`);
      });
    });
    undoStack.push({ undo: () => { changes.reverse().forEach(({ input, old }) => { input.value = old; }); added.forEach((r) => r.remove()); } });
    renumber();
    const width = Math.min(Math.max(...matrix.map((r) => r.length)), order.length - startCol);
    say(`已粘贴 ${matrix.length} 行 × ${width} 列${added.length ? `，新增 ${added.length} 行` : ""}。${refused.join("；")}`);
    changed();
  });

  // ---- buttons -----------------------------------------------------------------------------------
  body.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-op]");
    if (!button) return;
    const row = button.closest("[data-row]");
    const op = button.dataset.op;
    if (op === "delete") deleteRow(row);
    else if (op === "insert") go(isTable ? cellIn(insertRow(row), columns[0] && columns[0].name) : insertRow(row).querySelector("[name=title]"));
    else if (op === "up") moveRow(row, -1);
    else if (op === "down") moveRow(row, 1);
  });

  const add = document.getElementById("add-row");
  if (add) add.addEventListener("click", () => {
    const row = addRow();
    undoStack.push({ undo: () => row.remove() });
    changed();
    go(row.querySelector("input, textarea, select"));
  });

  const library = document.getElementById("library");
  const filter = document.getElementById("library-filter");
  // Narrow the library's list to the entries containing the typed words (text matching only).
  const prompt = library ? library.options[0].textContent : "";
  if (library && filter) filter.addEventListener("input", (event) => {
    event.stopPropagation();  // searching the library changes nothing in the form
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
      const row = addRow({ level1: option.dataset.level1, level2: option.dataset.level2, name: option.dataset.name, target: option.dataset.target });
      undoStack.push({ undo: () => row.remove() });
      changed();
    }
    library.selectedIndex = 0;
  });

  // ---- what the server answered (wizard.js fetches it) -----------------------------------------------
  // Which answer belongs to which row is the server's word ("posted": for each row the page sent,
  // its index in "rows", or null for a row it found empty — domain/rows.py); the page never guesses.
  function showLive(data) {
    const posted = data.posted || [];
    dataRows().forEach((row, i) => {
      const index = posted[i];
      if (index === null || index === undefined) return;
      const result = data.rows[index] || {};
      row.querySelectorAll("[data-live-issue], [data-issue]").forEach((el) => el.remove());
      row.querySelectorAll("[aria-describedby]").forEach((el) => el.removeAttribute("aria-describedby"));
      ["parsed", "score", "deviation", "rate", "words"].forEach((key) => {
        const cell = row.querySelector(`[data-out="${key}"]`);
        if (cell && key in result) cell.textContent = result[key];
      });
      if (result.hidden) {
        row.querySelectorAll("td[data-col]").forEach((td) => td.classList.toggle("na", result.hidden.includes(td.dataset.col)));
      }
      const adjusted = row.querySelector('[name="adjusted"]');
      if (adjusted && "adjusted" in result) {
        adjusted.placeholder = adjusted.value.trim() === "" ? result.adjusted : "";
        adjusted.title = adjusted.placeholder ? "按年初预算数与追加追减数计算" : "";
      }
      row.classList.toggle("needs-reason", !!result.reason_missing);
      if (result.reason_missing) {
        const cell = row.querySelector('[data-out="deviation"]');
        if (cell) {
          const note = document.createElement("div");
          note.className = "error"; note.dataset.liveIssue = ""; note.textContent = "须填写原因";
          cell.appendChild(note);
        }
      }
      Object.entries(result.issues || {}).forEach(([name, messages]) => {
        const td = row.querySelector(`[data-col="${name}"]`) || (row.querySelector(`[name="${name}"]`) || {}).parentNode;
        const input = row.querySelector(`[name="${name}"]`);
        if (!td || !input) return;
        td.classList.remove("na");  // a cell with a message is always shown
        const note = document.createElement("div");
        note.className = "error"; note.dataset.liveIssue = "";
        note.id = `err-${td.id || row.id + "-" + name}`;
        note.textContent = messages.join("；");
        (input.closest(".section-head") || td).appendChild(note);
        input.setAttribute("aria-describedby", note.id);
      });
    });
    if (data.totals) {
      Object.entries(data.totals).forEach(([key, value]) => {
        const el = container.querySelector(`[data-total="${key}"]`);
        if (el) el.textContent = value;
      });
    }
  }

  renumber();
  window.Grid = { showLive, addRow, parseTSV };
})();

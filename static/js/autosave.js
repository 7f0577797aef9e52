// Autosave for the entry wizard: what the filer types is saved through the server's step service
// about a second after they stop typing, and the state is shown next to the step title.
//
// - The page holds the form's version; each save sends it and receives the new one, so a save by
//   someone else is reported as a conflict and never overwritten.
// - Until a save succeeds, the values are also kept in this browser (localStorage), so a crash or
//   an expired session loses nothing; reopening the step offers them back.
// - Signed out (401): the page says 登录已过期 and offers sign-in in a new tab, then saves.
// - Other forms on the page (答复审核意见, 复制上年指标, 退出) first save what is pending.
// - Leaving warns only while a save is pending or has failed.
// No figure is computed here: the live figures come from the server (wizard.js, /live/).
(function () {
  "use strict";

  // The page that signing in from the 登录已过期 notice lands on: tell the filling page, then close.
  if (document.getElementById("signed-in-again")) {
    if (window.opener) {
      try { window.opener.postMessage("signed-in-again", window.location.origin); } catch (e) { /* closed */ }
      window.close();
    }
    return;
  }

  const status = document.getElementById("autosave");
  const form = document.getElementById("wizard");
  if (!status || !form) return;

  const DELAY = 1000;
  const RETRY = 3000;
  const SKIP = new Set(["csrfmiddlewaretoken", "version", "action"]);
  const version = form.querySelector('input[name="version"]');
  // The row steps (static/js/grid.js): rows are the [data-row] children of the table body, or of
  // the report's container; comment rows and reply boxes in between belong to other forms.
  const container = form.querySelector("#rows");
  const body = container ? (container.tagName === "TABLE" ? container.tBodies[0] : container) : null;
  const rowTemplate = document.getElementById("row-template");
  const dataRows = () => (body ? Array.from(body.children).filter((el) => el.hasAttribute("data-row")) : []);
  const own = (el) => el.name && el.form === form && !SKIP.has(el.name) && el.type !== "submit" && el.type !== "button";
  const storageKey = status.dataset.key;

  let paused = status.dataset.paused === "1";  // a conflict page or a locked form: saving is the user's call
  let timer = null;
  let retryTimer = null;
  let pending = 0;      // saves in flight
  let failed = false;
  let needsLogin = false;
  let leaving = false;  // the wizard form itself is being submitted (it saves everything)
  let chain = Promise.resolve(true);

  // The form's content: named fields outside the rows, and one object per row.
  function state() {
    const fields = {};
    Array.from(form.elements).forEach((el) => {
      if (own(el) && !(body && body.contains(el))) fields[el.name] = el.value;
    });
    const rows = dataRows().map((row) => {
      const values = {};
      row.querySelectorAll("[name]").forEach((el) => { if (own(el)) values[el.name] = el.value; });
      return values;
    });
    return JSON.stringify({ fields, rows: body ? rows : null });
  }

  function restore(text) {
    const data = JSON.parse(text);
    Object.entries(data.fields || {}).forEach(([name, value]) => {
      const el = Array.from(form.elements).find((e) => own(e) && e.name === name && !(body && body.contains(e)));
      if (el) el.value = value;
    });
    if (body && rowTemplate && Array.isArray(data.rows)) {
      let rows = dataRows();
      rows.slice(data.rows.length).forEach((row) => {  // a row and the comment rows that follow it
        let next = row.nextElementSibling;
        while (next && next.classList.contains("comment-row")) { const c = next; next = next.nextElementSibling; c.remove(); }
        row.remove();
      });
      while (dataRows().length < data.rows.length) body.appendChild(rowTemplate.content.firstElementChild.cloneNode(true));
      rows = dataRows();
      data.rows.forEach((values, i) => {
        Object.entries(values).forEach(([name, value]) => {
          const el = rows[i].querySelector(`[name="${name}"]`);
          if (el) el.value = value;
        });
        const number = rows[i].querySelector(".rownum");
        if (number) number.textContent = i + 1;
      });
    }
    form.dispatchEvent(new Event("input", { bubbles: true }));  // live figures (wizard.js) and a save
  }

  let saved = state();  // what the server holds, as far as this page knows

  // ---- this browser's copy of unsaved values ----------------------------------------------------
  function keep() {
    try {
      localStorage.setItem(storageKey, JSON.stringify({ version: version.value, state: state(), at: Date.now() }));
    } catch (e) { /* storage full or disabled: the server copy is what counts */ }
  }
  function forget() { try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ } }
  function kept() {
    try { return JSON.parse(localStorage.getItem(storageKey) || "null"); } catch (e) { return null; }
  }

  // ---- the visible state ------------------------------------------------------------------------
  function show(kind, text, extra) {
    status.className = `autosave ${kind}`;
    status.textContent = text;
    (extra || []).forEach((el) => { status.append(" "); status.append(el); });
  }
  function button(label, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function csrfToken() {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
    const input = form.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }
  // Signing in again (in another tab) rotates the CSRF token: give every form on the page the new one.
  function refreshTokens() {
    const token = csrfToken();
    if (token) document.querySelectorAll('input[name="csrfmiddlewaretoken"]').forEach((i) => { i.value = token; });
  }

  // ---- saving ----------------------------------------------------------------------------------
  function save() {
    clearTimeout(timer);
    timer = null;
    chain = chain.then(send, send);
    return chain;
  }

  async function send() {
    if (paused) return false;
    const text = state();
    if (text === saved && !failed) return true;
    clearTimeout(retryTimer);
    refreshTokens();
    pending += 1;
    show("saving", "保存中…");
    let response = null;
    let data = {};
    try {
      response = await fetch(status.dataset.url, {
        // URL-encoded, as the form's own submit: the server reads it at a fraction of multipart's cost.
        method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      });
      try { data = await response.json(); } catch (e) { data = {}; }
    } catch (e) {
      response = null;
    } finally {
      pending -= 1;
    }
    if (response && response.ok && data.saved) {
      version.value = data.version;
      saved = text;
      failed = false;
      retries = 0;
      needsLogin = false;
      if (state() === saved) forget(); else keep();  // typed on while it was saving
      const note = data.unreadable && data.unreadable.length ? "（有内容未通过校验，已原样保留，见各栏提示）" : "";
      show("saved", `已自动保存 ${data.at}${note}`);
      return true;
    }
    failed = true;
    keep();
    if (response && response.status === 401) {
      needsLogin = true;
      const link = button("重新登录", () => window.open(status.dataset.login, "_blank"));
      show("failed", "登录已过期：本页内容尚未保存，已暂存在本机。", [link, "登录后自动保存。"]);
      // No polling: signing in in the new tab tells this page (message), and coming back focuses it.
    } else if (response && response.status === 409) {
      paused = true;  // never overwrite: the user decides, with the other person's changes in view
      const why = data.message || "此表已被他人修改";
      show("failed", `未能保存：${why}`, data.reason === "conflict" ? ["点击“保存”查看对方的修改。"] : []);
    } else {
      const why = data.message || (response ? `服务器返回错误（${response.status}）` : "网络连接中断");
      show("failed", `未能保存：${why}`, [button("重试", () => save()), "稍后自动重试。"]);
      retryLater();
    }
    return false;
  }

  let retries = 0;
  function retryLater() {  // 3 s, 6 s, 12 s … at most a minute apart
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => { if (failed && !paused) save(); }, Math.min(60000, RETRY * 2 ** retries));
    retries += 1;
  }

  function changed() {
    if (paused || leaving) return;
    if (state() === saved && !failed) return;
    keep();
    clearTimeout(timer);
    timer = setTimeout(save, DELAY);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  // Rows added, removed or moved by buttons (wizard.js) change the content without an input event.
  if (body) new MutationObserver(changed).observe(body, { childList: true });  // grid.js also sends input

  // Back from signing in again: save at once.
  window.addEventListener("message", (event) => {
    if (event.origin === window.location.origin && event.data === "signed-in-again" && failed) save();
  });
  window.addEventListener("focus", () => { if (needsLogin) save(); });

  // The wizard's own buttons save everything by a normal POST; wait for an autosave in flight, so
  // that POST carries the version the autosave was given (else it would look like a conflict).
  form.addEventListener("submit", (event) => {
    clearTimeout(timer);
    timer = null;
    refreshTokens();
    if (pending) {
      event.preventDefault();
      const submitter = event.submitter;
      chain.then(() => form.requestSubmit(submitter));
      return;
    }
    leaving = true;
    forget();  // a normal save that meets an expired session is kept by the server (drafts.py)
  });

  // Before any form's own script reads it (capture phase): the current CSRF token.
  document.addEventListener("submit", refreshTokens, true);

  // Any other form on the page that reloads it (a reuse action, signing out, a reply when scripts
  // answer it in place no longer): save what is pending first, go ahead only once it is saved.
  // Listening in the bubbling phase lets a form answered in place by fetch (wizard.js's replies)
  // say so with preventDefault; the page then stays, and the pending save is simply sent now.
  document.addEventListener("submit", (event) => {
    const other = event.target;
    if (other === form || (other.method || "").toLowerCase() !== "post") return;
    refreshTokens();
    if (paused || (!timer && !pending && !failed && state() === saved)) return;
    if (event.defaultPrevented) { save(); return; }
    event.preventDefault();
    save().then((ok) => { if (ok) { leaving = true; other.submit(); } });
  });

  window.addEventListener("beforeunload", (event) => {
    if (leaving) return;
    if (timer || pending || failed || state() !== saved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  // The tab is closed or the browser leaves the page within the second after the last keystroke:
  // send what is pending with a beacon (it outlives the page; a conflict is refused by the server).
  window.addEventListener("pagehide", () => {
    if (leaving || paused || !timer) return;  // only the save still waiting for its second
    refreshTokens();
    const data = new FormData(form);
    data.delete("action");
    if (navigator.sendBeacon) navigator.sendBeacon(status.dataset.url, new URLSearchParams(data));
  });
  window.addEventListener("pageshow", (event) => { if (event.persisted) leaving = false; });

  // ---- opening the step: values left in this browser by a save that never succeeded ------------
  const left = kept();
  if (left && !paused) {
    if (left.state === saved) {
      forget();
    } else if (String(left.version) === version.value) {
      // Nobody saved the form since those values were typed: put them back and save them.
      restore(left.state);
      show("saving", "已恢复本机暂存的未保存内容，保存中…");
      save();
    } else {
      const when = new Date(left.at).toLocaleString("zh-CN", { hour12: false });
      show("failed", `本机暂存有 ${when} 未能保存的内容，此后此表已被保存过。`, [
        button("恢复这些内容", () => { restore(left.state); }),
        button("丢弃", () => { forget(); show("saved", ""); }),
      ]);
    }
  }
})();

// Batch export progress: polls the status URL and moves the bar. It only displays what the
// server reports; nothing is computed here.
(function () {
  "use strict";
  var section = document.getElementById("export");
  if (!section) return;
  var url = section.dataset.statusUrl;
  var bar = document.getElementById("export-progress");
  var label = document.getElementById("export-status");
  var count = document.getElementById("export-count");
  var error = document.getElementById("export-error");
  var download = document.getElementById("export-download");

  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    label.textContent = data.status_label;
    count.textContent = data.done + "/" + data.total;
    section.dataset.status = data.status;
    if (data.error) { error.textContent = data.error; error.hidden = false; }
    if (data.download) { download.querySelector("a").href = data.download; download.hidden = false; }
  }

  function poll() {
    if (section.dataset.status === "done" || section.dataset.status === "failed") return;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) show(data); })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, 1000); });
  }
  poll();
})();

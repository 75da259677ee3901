// The digital queue and the handler's console: waits that count up by themselves, each
// conversation pane re-read when the live stream says that conversation changed, and
// replies sent without reloading the page (so drafts in the other panes are kept).
"use strict";
(function () {
  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    function two(n) { return (n < 10 ? "0" : "") + n; }
    if (h) return h + " h " + two(m) + " m";
    if (m) return m + " m " + two(s) + " s";
    return s + " s";
  }
  // The server's clock decides; the page only adds the seconds since it was drawn.
  function tick() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-since]"), function (el) {
      var since = Date.parse(el.getAttribute("data-since"));
      if (!isNaN(since)) el.textContent = duration((Date.now() - since) / 1000);
    });
  }
  setInterval(tick, 1000);

  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content;
  var panes = {};
  Array.prototype.forEach.call(document.querySelectorAll("[data-pane]"), function (pane) {
    var history = pane.querySelector("[data-history]");
    if (!history) return;
    history.scrollTop = history.scrollHeight;
    var busy = false, again = false;
    function refresh() {
      if (busy) { again = true; return; }
      busy = true;
      fetch(history.getAttribute("data-history"), {headers: {"Accept": "text/html"}, credentials: "same-origin"})
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
        .then(function (html) {
          var atBottom = history.scrollHeight - history.scrollTop - history.clientHeight < 40;
          history.innerHTML = html;
          if (atBottom) history.scrollTop = history.scrollHeight;
        })
        .catch(function () {})
        .then(function () { busy = false; if (again) { again = false; refresh(); } });
    }
    panes[pane.getAttribute("data-pane")] = refresh;

    var form = pane.querySelector("form[data-reply]");
    if (!form) return;
    var box = form.querySelector("textarea");
    var problem = form.querySelector("[role=alert]");
    box.addEventListener("keydown", function (e) {  // Enter sends, Shift+Enter is a new line
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!box.value.trim()) { problem.textContent = "Write a reply first."; problem.hidden = false; return; }
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      fetch(form.action, {method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin",
                          headers: {"Accept": "application/json", "X-CSRF-Token": csrf || ""}})
        .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, body: j}; }); })
        .then(function (r) {
          if (!r.ok) throw new Error(r.body.detail || "The reply was not sent.");
          box.value = "";
          problem.hidden = true;
          refresh();
        })
        .catch(function (err) { problem.textContent = err.message; problem.hidden = false; })
        .then(function () { button.disabled = false; box.focus(); });
    });
  });

  if (Object.keys(panes).length && window.demandhubLive) {
    var status = document.getElementById("live-status");
    window.demandhubLive(function (event) {
      if (!event) { Object.keys(panes).forEach(function (id) { panes[id](); }); return; }
      var refresh = panes[String(event.contact_id)];
      if (refresh) refresh();
    }, status, ["digital"]);
  }
})();

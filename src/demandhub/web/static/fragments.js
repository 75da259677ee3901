// Parts of a page that follow the live stream: each element with data-live-src is re-read
// from that address whenever something it shows may have changed (data-live-topics).
// A part the user is working in (pointer over it, or keyboard focus inside) is not redrawn
// under them: rows moving under a cursor can turn a click into the wrong one. It catches up
// as soon as they leave it.
"use strict";
(function () {
  function follow(el) {
    var pending = null, stale = false;
    var status = document.getElementById("live-status");
    function busy() { return el.matches(":hover") || el.contains(document.activeElement); }
    function redraw(html) {
      var open = Array.prototype.map.call(el.querySelectorAll("details[open]"), function (d) { return d.className; });
      el.innerHTML = html;
      open.forEach(function (cls) { var d = el.querySelector("details." + cls); if (d) d.open = true; });
      el.setAttribute("data-updated", Date.now());
    }
    function refresh() {
      if (pending) return;  // coalesce bursts: one fetch for many changes
      if (busy()) { stale = true; return; }
      pending = setTimeout(function () {
        pending = null;
        fetch(el.dataset.liveSrc, {headers: {"Accept": "text/html"}, credentials: "same-origin"})
          .then(function (r) {
            // A lapsed login answers with the login page: go there rather than show it here.
            if (r.redirected || r.status === 401) { window.location.reload(); throw new Error("login"); }
            if (!r.ok) throw new Error(r.status);
            return r.text();
          })
          .then(function (html) { if (busy()) stale = true; else redraw(html); })
          .catch(function () { if (status) status.textContent = "Update failed; retrying"; });
      }, 100);
    }
    function caughtUp() { if (stale && !busy()) { stale = false; refresh(); } }
    el.addEventListener("mouseleave", function () { setTimeout(caughtUp, 0); });
    el.addEventListener("focusout", function () { setTimeout(caughtUp, 0); });
    if (el.dataset.liveLoad === "now") refresh();
    // A part about one incident (data-live-id) ignores changes to other incidents (the topics
    // whose events carry the incident's id).
    var only = el.dataset.liveId ? Number(el.dataset.liveId) : null;
    var BY_INCIDENT = {incidents: true, scene: true};
    window.demandhubLive(function (event, topic) {
      if (only !== null && event && BY_INCIDENT[topic] && event.id !== only) return;
      refresh();
    }, status, (el.dataset.liveTopics || "incidents").split(" "));
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-live-src]"), follow);
})();

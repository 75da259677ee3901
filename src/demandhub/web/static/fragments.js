// Parts of a page that follow the live stream: each element with data-live-src is re-read
// from that address whenever something it shows may have changed (data-live-topics).
"use strict";
(function () {
  function follow(el) {
    var pending = null;
    var status = document.getElementById("live-status");
    function refresh() {
      if (pending) return;  // coalesce bursts: one fetch for many changes
      pending = setTimeout(function () {
        pending = null;
        fetch(el.dataset.liveSrc, {headers: {"Accept": "text/html"}, credentials: "same-origin"})
          .then(function (r) {
            // A lapsed login answers with the login page: go there rather than show it here.
            if (r.redirected || r.status === 401) { window.location.reload(); throw new Error("login"); }
            if (!r.ok) throw new Error(r.status);
            return r.text();
          })
          .then(function (html) {
            // Keep keyboard focus where it was when the part is redrawn.
            var focused = document.activeElement && el.contains(document.activeElement) ? document.activeElement.id : null;
            el.innerHTML = html;
            el.setAttribute("data-updated", Date.now());
            if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
          })
          .catch(function () { if (status) status.textContent = "Update failed; retrying"; });
      }, 100);
    }
    if (el.dataset.liveLoad === "now") refresh();
    window.demandhubLive(function () { refresh(); }, status, (el.dataset.liveTopics || "incidents").split(" "));
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-live-src]"), follow);
})();

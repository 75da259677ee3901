"use strict";
(function () {
  var body = document.getElementById("queue-rows");
  var pending = null;
  function refresh() {
    // Coalesce bursts: one fetch for many changes.
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      fetch("/queue/rows", {headers: {"Accept": "text/html"}, credentials: "same-origin"})
        .then(function (r) {
          // A lapsed login answers with the login page: go there rather than show it in the table.
          if (r.redirected || r.status === 401) { window.location.reload(); throw new Error("login"); }
          if (!r.ok) throw new Error(r.status);
          return r.text();
        })
        .then(function (html) { body.innerHTML = html; body.setAttribute("data-updated", Date.now()); })
        .catch(function () { document.getElementById("live-status").textContent = "Update failed; retrying"; });
    }, 100);
  }
  window.demandhubLive(function () { refresh(); }, document.getElementById("live-status"));
})();

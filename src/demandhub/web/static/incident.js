"use strict";
(function () {
  var id = Number(document.getElementById("incident").dataset.incidentId);
  window.demandhubLive(function (event) {
    if (!event || event.id !== id) return;
    var active = document.activeElement;
    var typing = active && (active.tagName === "INPUT" || active.tagName === "TEXTAREA" || active.tagName === "SELECT") && active.value;
    if (!typing) { window.location.reload(); }
  }, null);
})();

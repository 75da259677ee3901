"use strict";
(function () {
  var reference = document.title.split(" ")[0];
  window.demandhubLive(function (event) {
    if (!event || event.reference !== reference) return;
    var active = document.activeElement;
    var typing = active && (active.tagName === "INPUT" || active.tagName === "TEXTAREA" || active.tagName === "SELECT") && active.value;
    if (!typing) { window.location.reload(); }
  }, null);
})();

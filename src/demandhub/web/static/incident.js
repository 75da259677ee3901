"use strict";
(function () {
  var id = Number(document.getElementById("incident").dataset.incidentId);
  // A message carried from the page that brought us here (the call screen), shown once.
  var carried = window.sessionStorage.getItem("demandhub-notice");
  if (carried) {
    window.sessionStorage.removeItem("demandhub-notice");
    var box = document.getElementById("carried-notice");
    box.textContent = carried;
    box.hidden = false;
  }
  window.demandhubLive(function (event) {
    // null: the stream (re)connected, and changes may have been missed while it was down.
    if (event && event.id !== id) return;
    if (event === null && !window.demandhubConnectedBefore) { window.demandhubConnectedBefore = true; return; }
    // Never throw away what someone is typing: show a notice instead of reloading.
    // A field counts as typed in when its value differs from the one the page was drawn with
    // (panels prefill some fields, e.g. a flag's label with the location).
    var typing = Array.prototype.some.call(document.querySelectorAll("input[type=text], input:not([type]), textarea"),
                                           function (f) { return f.value !== f.defaultValue; });
    if (typing) {
      var note = document.getElementById("changed");
      note.hidden = false;
    } else {
      window.location.reload();
    }
  }, null);
})();

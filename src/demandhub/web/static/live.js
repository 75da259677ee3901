// Shared: listen to the server's live stream and call back on each incident change.
"use strict";
window.demandhubLive = function (onIncident, statusEl) {
  var source = new EventSource("/live");
  function say(text) { if (statusEl) statusEl.textContent = text; }
  source.addEventListener("open", function () { say("Live"); onIncident(null); });
  source.addEventListener("error", function () { say("Reconnecting…"); });
  source.addEventListener("incidents", function (e) { onIncident(JSON.parse(e.data)); });
  return source;
};

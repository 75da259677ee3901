// Shared: one connection to the server's live stream per page; each screen says which
// topics it follows (incidents by default) and is called back with each event.
"use strict";
(function () {
  var source = null;
  window.demandhubLive = function (onEvent, statusEl, topics) {
    if (!source) source = new EventSource("/live");
    function say(text) { if (statusEl) statusEl.textContent = text; }
    source.addEventListener("open", function () { say("Live"); onEvent(null); });
    source.addEventListener("error", function () { say("Reconnecting…"); });
    (topics || ["incidents"]).forEach(function (topic) {
      source.addEventListener(topic, function (e) { onEvent(JSON.parse(e.data), topic); });
    });
    return source;
  };
})();

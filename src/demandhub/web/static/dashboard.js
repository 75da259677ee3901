// The dashboard's own clock: waits grow and targets pass with no event at all, so every 15 s
// a "tick" is raised on the page's live stream, and each panel that lists "tick" among its
// data-live-topics is re-read by fragments.js exactly as for a real event (nothing is sent
// to or from the server but the panels' own fetches).
"use strict";
(function () {
  var TICK_MS = 15000;
  var source = window.demandhubLive(function () {}, null, []);
  setInterval(function () {
    source.dispatchEvent(new MessageEvent("tick", {data: "null"}));
  }, TICK_MS);
})();

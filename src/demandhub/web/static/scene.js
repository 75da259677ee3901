// The incident page's scene panel: keeps "20 s ago" true between redraws. The panel says the
// server's time when it was drawn (data-now) and fragments.js when it arrived (data-updated),
// so a phone or PC with a wrong clock still shows the right age.
"use strict";
(function () {
  function ago(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    if (seconds < 60) return seconds + " s ago";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
    return Math.floor(seconds / 3600) + " h " + Math.floor(seconds % 3600 / 60) + " min ago";
  }
  function tick() {
    var section = document.getElementById("scene");
    var panel = section && section.querySelector(".scene-panel");
    if (!panel) return;
    var drawnAt = Number(section.getAttribute("data-updated")) || Date.now();
    var serverNow = Number(panel.dataset.now) + (Date.now() - drawnAt) / 1000;
    Array.prototype.forEach.call(panel.querySelectorAll("[data-ago]"), function (el) {
      el.textContent = ago(serverNow - Number(el.dataset.ago));
    });
  }
  setInterval(tick, 5000);
})();

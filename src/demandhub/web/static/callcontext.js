// The call-taking screen's "already known" panel: the pin on a small map, what the force
// knows about the caller's number and the place, and open incidents that may be the same
// event. Choosing one sets #link-to, which the submit (calltaking.js) sends.
"use strict";
(function () {
  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; }
  function debounce(fn, ms) { var t; return function () { clearTimeout(t); t = setTimeout(fn, ms); }; }
  function get(path) {
    return fetch(path, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; });
  }
  function position() {
    var lat = parseFloat($("latitude").value), lon = parseFloat($("longitude").value);
    return isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? [lat, lon] : null;
  }

  // The pin map: the force's areas and main roads drawn by us, so it works without tiles.
  var mapEl = $("pin-map"), pin = null, map = null;
  if (mapEl && window.L) {
    map = L.map(mapEl, {zoomSnap: 0.25}).setView([52.25, -0.9], 9);
    if (mapEl.dataset.tiles) L.tileLayer(mapEl.dataset.tiles, {maxZoom: 19, attribution: mapEl.dataset.attribution}).addTo(map);
    get("/api/map/layers").then(function (layers) {
      if (!layers) return;
      L.geoJSON(layers.areas, {interactive: false, style: function (f) {
        return f.properties.kind === "boundary" ? {color: "#0b0c0c", weight: 1.5, fill: false}
                                                : {color: "#999", weight: 1, fillColor: "#ddd", fillOpacity: 0.6};
      }}).addTo(map);
      layers.roads.forEach(function (r) { L.polyline(r.coords, {weight: 1.5, color: "#c98a4b", interactive: false}).addTo(map); });
      if (layers.bounds) map.fitBounds([[layers.bounds[0], layers.bounds[1]], [layers.bounds[2], layers.bounds[3]]]);
    });
    map.on("click", function (e) {
      $("latitude").value = e.latlng.lat.toFixed(6);
      $("longitude").value = e.latlng.lng.toFixed(6);
      placePin();
      refresh();
    });
  }
  function placePin(follow) {
    var p = position();
    if (!map) return;
    if (!p) { if (pin) { map.removeLayer(pin); pin = null; } return; }
    if (pin) pin.setLatLng(p); else pin = L.marker(p, {keyboard: false}).addTo(map);
    if (follow) map.setView(p, Math.max(map.getZoom(), 14));  // a typed position: show where it is
  }

  function renderSection(title, section, where) {
    var box = el("div", null, "history-section");
    var count = section.in_window;
    box.appendChild(el("h3", title));
    var line = el("p", count + " contact" + (count === 1 ? "" : "s") + " in the last " + section.window_days + " days" +
                  (section.total > count ? " (" + section.total + " in all)" : ""), count >= 3 ? "repeat" : "hint");
    line.dataset.repeatCount = count;
    box.appendChild(line);
    var list = el("ul", null, "plain");
    section.items.slice(0, 8).forEach(function (c) {
      var li = el("li");
      li.appendChild(el("time", new Date(c.presented_at).toLocaleString("en-GB", {day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit"})));
      li.appendChild(document.createTextNode(" " + c.channel + " "));
      if (c.incident_reference) {
        var a = el("a", c.incident_reference); a.href = "/incidents/" + c.incident_reference; a.target = "_blank";
        li.appendChild(a);
        if (c.grade) li.appendChild(el("span", c.grade, "grade grade-" + c.grade));
      }
      if (c.restricted) li.appendChild(el("em", " restricted"));
      else if (c.description) li.appendChild(el("div", c.description, "hint"));
      if (c.vulnerabilities.length) li.appendChild(el("div", "Vulnerability: " + c.vulnerabilities.join(", ").replace(/_/g, " "), "vuln"));
      list.appendChild(li);
    });
    box.appendChild(list);
    where.appendChild(box);
  }

  // "AML, 14 m, 20 s ago": where the handset says it is, how sure, and how fresh.
  var amlCircle = null;
  function ago(iso) {
    var s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    return s < 120 ? s + " s ago" : Math.round(s / 60) + " min ago";
  }
  function renderAml(list, where) {
    var box = el("div", null, "aml");
    box.appendChild(el("h3", "Phone location"));
    list.slice(0, 3).forEach(function (f) {
      var source = f.source === "scene_gps" ? "Shared from the phone" : "AML";
      var line = el("p");
      line.dataset.aml = f.id;
      if (!f.located) { line.textContent = source + " received " + ago(f.received_at) + ": the phone could not locate itself."; }
      else {
        line.textContent = source + (f.method ? " (" + f.method + ")" : "") + ", " + Math.round(f.uncertainty_m) + " m, " +
                           ago(f.observed_at || f.received_at) + " ";
        var use = el("button", "Use as pin", "small");
        use.type = "button";
        use.addEventListener("click", function () {
          $("latitude").value = f.latitude.toFixed(6);
          $("longitude").value = f.longitude.toFixed(6);
          placePin(true);
          if (map) {
            if (amlCircle) map.removeLayer(amlCircle);
            amlCircle = L.circle([f.latitude, f.longitude], {radius: f.uncertainty_m, color: "#1d70b8"}).addTo(map);
          }
          $("place-result").textContent = "Pin from " + source + ", within about " + Math.round(f.uncertainty_m) + " m";
          refresh();
        });
        line.appendChild(use);
      }
      box.appendChild(line);
    });
    where.appendChild(box);
  }

  function renderFlags(found, where) {
    if (!found.flags.length && !found.withheld) return;
    var box = el("div", null, "flags");
    box.appendChild(el("h3", "Vulnerability flags"));
    var badges = el("p");
    found.categories.forEach(function (c) {
      var badge = el("span", c.label + (c.count > 1 ? " ×" + c.count : ""), "flag-badge");
      badge.dataset.flag = c.code;
      badges.appendChild(badge);
      badges.appendChild(document.createTextNode(" "));
    });
    box.appendChild(badges);
    var list = el("ul", null, "plain");
    found.flags.slice(0, 6).forEach(function (f) { list.appendChild(el("li", f.label + ": " + f.source, "hint")); });
    box.appendChild(list);
    if (found.withheld) box.appendChild(el("p", found.withheld + " more on restricted records.", "hint"));
    where.appendChild(box);
  }

  function renderDuplicates(found) {
    var box = $("duplicates");
    box.replaceChildren();
    $("link-to").value = "";
    updateSubmit();
    if (!found || !found.length) return;
    var fs = el("fieldset");
    fs.appendChild(el("legend", "Possible duplicates"));
    function option(value, text, detail, reference) {
      var label = el("label", null, "check dup");
      var radio = document.createElement("input");
      radio.type = "radio"; radio.name = "same-event"; radio.value = value; radio.checked = value === "";
      radio.dataset.reference = reference || "";
      radio.addEventListener("change", function () { $("link-to").value = value; updateSubmit(); });
      label.appendChild(radio);
      label.appendChild(document.createTextNode(" " + text));
      if (detail) label.appendChild(el("span", " " + detail, "hint"));
      fs.appendChild(label);
      fs.appendChild(el("br"));
    }
    option("", "A new incident", "");
    found.forEach(function (d) {
      option(String(d.id), "Same event as " + d.reference + " (grade " + d.grade + ")", d.reasons.join(", ") +
             (d.summary ? ": " + d.summary.slice(0, 80) : ""), d.reference);
    });
    box.appendChild(fs);
  }

  function updateSubmit() {
    var chosen = document.querySelector('input[name="same-event"]:checked');
    var reference = $("link-to").value && chosen ? chosen.dataset.reference : "";
    $("submit").textContent = reference ? "Add this call to " + reference : "Grade and create incident";
  }

  var refresh = debounce(function () {
    var number = $("caller_number").value.trim(), p = position();
    var query = [];
    if (number.length >= 6) query.push("number=" + encodeURIComponent(number));
    if (p) query.push("latitude=" + p[0] + "&longitude=" + p[1]);
    var history = $("history");
    if (!query.length) { history.replaceChildren(el("p", "Enter the caller's number or place the pin.", "hint")); }
    else {
      // Flags first: a vulnerable caller or address must be the first thing the handler sees;
      // then where the network says the phone is (AML), then the history.
      var aml = number.length >= 6 ? get("/api/locations?number=" + encodeURIComponent(number)) : Promise.resolve(null);
      Promise.all([get("/api/vulnerability/flags?" + query.join("&")), get("/api/history?" + query.join("&")), aml])
        .then(function (found) {
          var flags = found[0], h = found[1];
          history.replaceChildren();
          if (flags) renderFlags(flags, history);
          if (found[2] && found[2].length) renderAml(found[2], history);
          if (!h) { history.appendChild(el("p", "Could not look up the history.", "hint")); return; }
          if (h.caller) renderSection("This number", h.caller, history);
          if (h.place) renderSection("Within " + h.radius_m + " m of the pin", h.place, history);
        });
    }
    if (p) {
      var type = $("incident_type").value;
      get("/api/duplicates?latitude=" + p[0] + "&longitude=" + p[1] + (type ? "&incident_type=" + encodeURIComponent(type) : ""))
        .then(renderDuplicates);
    } else {
      renderDuplicates([]);
    }
  }, 300);

  // Find a place: the server reads the reference (what3words, plus code, grid reference,
  // postcode, coordinates) and says where it points, how precisely, and from what.
  var SOURCES = {w3w: "what3words", plus_code: "plus code", os_grid: "OS grid reference", postcode: "postcode",
                 coordinates: "coordinates"};
  function findPlace() {
    var q = $("place-ref").value.trim(), out = $("place-result");
    if (!q) return;
    fetch("/api/locate?q=" + encodeURIComponent(q), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (res) {
        if (!res.ok) { out.textContent = res.body.detail || "Not found."; out.className = "error"; return; }
        var f = res.body;
        $("latitude").value = f.latitude.toFixed(6);
        $("longitude").value = f.longitude.toFixed(6);
        out.className = "hint";
        out.textContent = "Pin from " + (SOURCES[f.source] || f.source) + " " + (f.label || "") +
          (f.uncertainty_m ? " (within about " + Math.round(f.uncertainty_m) + " m)" : "");
        out.dataset.source = f.source;
        placePin(true);
        refresh();
      })
      .catch(function () { out.textContent = "Could not reach the server."; out.className = "error"; });
  }
  $("place-find").addEventListener("click", findPlace);
  $("place-ref").addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); findPlace(); } });

  // A what3words address written in the description is offered for the pin.
  var findWords = debounce(function () {
    var text = $("description").value, box = $("words-found");
    if (text.indexOf(".") < 0) { box.replaceChildren(); return; }
    get("/api/locate/words?text=" + encodeURIComponent(text)).then(function (words) {
      box.replaceChildren();
      (words || []).slice(0, 3).forEach(function (w) {
        var use = el("button", "Use ///" + w + " for the pin", "small");
        use.type = "button";
        use.addEventListener("click", function () { $("place-ref").value = "///" + w; findPlace(); });
        box.appendChild(use);
      });
    });
  }, 400);
  $("description").addEventListener("input", findWords);

  ["caller_number", "latitude", "longitude"].forEach(function (id) {
    $(id).addEventListener("input", function () { placePin(id !== "caller_number"); refresh(); });
  });
  $("incident_type").addEventListener("change", refresh);
})();

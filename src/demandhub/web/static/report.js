// Online reports. On the public form (works without this script; better with it): show only
// the follow-up questions that apply, list only the choices for the kind of report, and place
// a pin on a map drawn without tiles (tap it, or use the phone's location), which fills the
// latitude and longitude fields. On the handler's view: the small map of where it happened.
"use strict";
(function () {
  function $(id) { return document.getElementById(id); }
  var ROAD = {motorway: [3, "#5b7fb8"], trunk: [3, "#5f9e6e"], primary: [2.5, "#c98a4b"],
              secondary: [2, "#c9b04b"], tertiary: [1.2, "#999"]};

  function drawLayers(map, fit) {
    return fetch("/report/map-layers", {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (layers) {
        if (!layers) return;
        L.geoJSON(layers.areas, {interactive: false, style: function (f) {
          return f.properties.kind === "boundary" ? {color: "#0b0c0c", weight: 1.5, fill: false, dashArray: "6 4"}
                                                  : {color: "#8a8a8a", weight: 1, fillColor: "#d8d8d8", fillOpacity: 0.6};
        }}).addTo(map);
        layers.roads.forEach(function (road) {
          var s = ROAD[road.highway] || [1, "#aaa"];
          L.polyline(road.coords, {weight: s[0], color: s[1], interactive: false}).addTo(map);
        });
        if (fit && layers.bounds) map.fitBounds([[layers.bounds[0], layers.bounds[1]], [layers.bounds[2], layers.bounds[3]]]);
      }).catch(function () {});
  }

  function newMap(el) {
    var map = L.map(el, {zoomSnap: 0.5, tap: true}).setView([52.25, -0.9], 9);
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, {maxZoom: 19, attribution: el.dataset.attribution || ""}).addTo(map);
    return map;
  }

  // ------------------------------------------------------------------ the handler's view
  var view = $("report-map");
  if (view && window.L) {
    var at = [parseFloat(view.dataset.lat), parseFloat(view.dataset.lon)];
    var vmap = newMap(view);
    L.marker(at, {keyboard: false}).addTo(vmap);
    var radius = parseFloat(view.dataset.radius);
    if (isFinite(radius) && radius > 0) L.circle(at, {radius: radius, color: "#1d70b8", weight: 1}).addTo(vmap);
    // The other positions the sender gave, grey, each with its own circle: where they disagree shows.
    var others = [];
    try { others = JSON.parse(view.dataset.others || "[]"); } catch (e) { others = []; }
    others.forEach(function (p) {
      var where = [p.latitude, p.longitude];
      L.circleMarker(where, {radius: 6, color: "#505a5f", fillOpacity: 0.8, interactive: false}).addTo(vmap);
      if (p.uncertainty_m) L.circle(where, {radius: p.uncertainty_m, color: "#505a5f", weight: 1, dashArray: "4 4",
                                            fill: false, interactive: false}).addTo(vmap);
    });
    function frame() {
      var all = [at].concat(others.map(function (p) { return [p.latitude, p.longitude]; }));
      if (all.length > 1) vmap.fitBounds(L.latLngBounds(all).pad(0.3), {maxZoom: 16});
      else vmap.setView(at, 15);
    }
    frame();
    drawLayers(vmap, false).then(frame);
  }

  // ------------------------------------------------------------------ the public form
  var form = $("report-form");
  if (!form) return;
  document.documentElement.classList.add("js");

  // Follow-up questions: only the one for the answer chosen.
  function showWhen() {
    var chosen = form.querySelector("input[name=when]:checked");
    form.querySelectorAll(".conditional[data-when]").forEach(function (box) {
      box.hidden = !chosen || chosen.value !== box.dataset.when;
    });
  }
  form.querySelectorAll("input[name=when]").forEach(function (r) { r.addEventListener("change", showWhen); });
  showWhen();

  // "What is it about?": the choices for the kind of report chosen.
  var subject = $("subject");
  var all = Array.prototype.map.call(subject.querySelectorAll("option[data-kind]"), function (o) {
    return {value: o.value, label: o.textContent, kind: o.dataset.kind};
  });
  function fillSubjects() {
    var kind = form.querySelector("input[name=kind]:checked");
    if (!kind) return;
    var current = subject.value;
    subject.replaceChildren(new Option("Choose one", ""));
    all.forEach(function (o) {
      if (o.kind === kind.value) subject.appendChild(new Option(o.label, o.value, false, o.value === current));
    });
  }
  form.querySelectorAll("input[name=kind]").forEach(function (r) { r.addEventListener("change", fillSubjects); });
  fillSubjects();

  // The pin.
  var lat = $("latitude"), lon = $("longitude"), source = $("pin_source"), accuracy = $("pin_accuracy");
  var status = $("pin-status"), mapEl = $("pin-map"), map = null, pin = null, circle = null;
  function typed() {
    var a = parseFloat(lat.value), b = parseFloat(lon.value);
    return isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180 ? [a, b] : null;
  }
  function place(p, metres, follow) {
    if (!map) return;
    if (pin) { map.removeLayer(pin); pin = null; }
    if (circle) { map.removeLayer(circle); circle = null; }
    if (!p) return;
    pin = L.marker(p, {keyboard: false, title: "Where it happened"}).addTo(map);
    if (metres) circle = L.circle(p, {radius: metres, color: "#1d70b8", weight: 1}).addTo(map);
    if (follow) map.setView(p, Math.max(map.getZoom(), 15));
  }
  function set(p, how, metres) {
    lat.value = p[0].toFixed(6);
    lon.value = p[1].toFixed(6);
    source.value = how;
    accuracy.value = metres ? Math.round(metres) : "";
    status.textContent = (how === "device" ? "Your location" : "Pin placed") + ": " + lat.value + ", " + lon.value +
                         (metres ? " (within about " + Math.round(metres) + " m)" : "");
  }
  if (mapEl && window.L) {
    map = newMap(mapEl);
    drawLayers(map, !typed()).then(function () { var p = typed(); if (p) place(p, null, true); });
    map.on("click", function (e) {
      // A fingertip covers about 20 pixels: at this zoom, that many metres either way.
      var mpp = 156543.03392 * Math.cos(e.latlng.lat * Math.PI / 180) / Math.pow(2, map.getZoom());
      var metres = Math.max(3, 10 * mpp);
      set([e.latlng.lat, e.latlng.lng], "map", metres);
      place([e.latlng.lat, e.latlng.lng], metres, false);
    });
  }
  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () {
      source.value = "typed";
      accuracy.value = "";
      place(typed(), null, true);
    });
  });
  var locate = $("use-location");
  if (!navigator.geolocation) locate.hidden = true;
  locate.addEventListener("click", function () {
    status.textContent = "Finding your location…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      var p = [pos.coords.latitude, pos.coords.longitude];
      set(p, "device", pos.coords.accuracy);
      place(p, pos.coords.accuracy, true);
    }, function () {
      status.textContent = "We could not get your location. Tap the map or type the place instead.";
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  });

  // Photos: say at once what the server would refuse.
  var photos = $("photos"), photoStatus = $("photos-status");
  var maxPhotos = 3, okTypes = ["image/jpeg", "image/png", "image/webp"];
  photos.addEventListener("change", function () {
    var files = Array.prototype.slice.call(photos.files), problems = [];
    if (files.length > maxPhotos) problems.push("Choose up to " + maxPhotos + " photos.");
    files.forEach(function (f) {
      if (f.type && okTypes.indexOf(f.type) < 0) problems.push("“" + f.name + "” is not a JPEG, PNG or WebP photo.");
    });
    photoStatus.textContent = problems.length ? problems.join(" ")
      : files.length ? files.length + " photo" + (files.length === 1 ? "" : "s") + " chosen." : "";
  });

  // After a refused send, take the reader to the list of problems.
  var summary = $("error-summary");
  if (summary) summary.focus();
})();

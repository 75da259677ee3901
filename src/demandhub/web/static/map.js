// The live map: force boundary, urban areas and major roads drawn by us (so it works with no
// tile server), incidents by grade and units by status on top, re-read on every live event.
"use strict";
(function () {
  var el = document.getElementById("map");
  var map = L.map(el, {preferCanvas: true, zoomSnap: 0.25});
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, {maxZoom: 19, attribution: el.dataset.attribution || ""}).addTo(map);
  }
  map.setView([52.25, -0.9], 10);
  function label(status) { var t = status.replace("_", " "); return t.charAt(0).toUpperCase() + t.slice(1); }
  var ROAD_STYLE = {motorway: [4, "#5b7fb8"], trunk: [4, "#5f9e6e"], primary: [3, "#c98a4b"],
                    secondary: [2, "#c9b04b"], tertiary: [1.5, "#999"]};
  var markers = L.layerGroup().addTo(map);

  function get(path) {
    return fetch(path, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (r) {
      if (r.status === 401) { window.location.reload(); throw new Error("login"); }
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  function text(tag, cls, value) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    node.textContent = value;
    return node;
  }

  get("/api/map/layers").then(function (layers) {
    L.geoJSON(layers.areas, {interactive: false, style: function (f) {
      return f.properties.kind === "boundary"
        ? {color: "#0b0c0c", weight: 2, fill: false, dashArray: "6 4"}
        : {color: "#8a8a8a", weight: 1, fillColor: "#d8d8d8", fillOpacity: 0.6};
    }}).addTo(map);
    layers.roads.forEach(function (road) {
      var style = ROAD_STYLE[road.highway] || [1, "#aaa"];
      L.polyline(road.coords, {weight: style[0], color: style[1], interactive: false}).addTo(map);
    });
    if (layers.bounds) map.fitBounds([[layers.bounds[0], layers.bounds[1]], [layers.bounds[2], layers.bounds[3]]]);
  }).catch(function () {});

  function draw(state) {
    markers.clearLayers();
    var incidentList = document.getElementById("map-incidents");
    var unitList = document.getElementById("map-units");
    var callerList = document.getElementById("map-callers");
    incidentList.replaceChildren();
    unitList.replaceChildren();
    callerList.replaceChildren();
    state.incidents.forEach(function (i) {
      var badge = text("span", "inc-marker grade-" + i.grade, i.grade);
      badge.dataset.reference = i.reference;
      var icon = L.divIcon({className: "", iconSize: null, html: badge});
      L.marker([i.latitude, i.longitude], {icon: icon, title: i.reference + ": " + i.label, keyboard: false})
        .on("click", function () { window.location.href = "/incidents/" + i.reference; })
        .addTo(markers);
      var li = document.createElement("li");
      li.dataset.reference = i.reference;
      var link = text("a", "", i.reference);
      link.href = "/incidents/" + i.reference;
      li.append(text("span", "grade grade-" + i.grade, i.grade), " ", link, " " + i.label +
                (i.units.length ? " · " + i.units.join(", ") : ""));
      incidentList.append(li);
    });
    state.units.forEach(function (u) {
      var li = document.createElement("li");
      li.dataset.callSign = u.call_sign;
      li.dataset.status = u.status;
      li.append(text("strong", "", u.call_sign), " ", text("span", "unit-status status-" + u.status, label(u.status)));
      unitList.append(li);
      if (u.latitude === null || u.status === "off_duty") return;
      var tag = text("span", "unit-marker status-" + u.status, u.call_sign);
      tag.dataset.callSign = u.call_sign;
      tag.dataset.status = u.status;
      var icon = L.divIcon({className: "", iconSize: null, html: tag});
      L.marker([u.latitude, u.longitude], {icon: icon, title: u.call_sign + ": " + label(u.status), keyboard: false})
        .addTo(markers);
    });
    (state.callers || []).forEach(function (c) {
      // A caller located by the network (AML) or a shared phone: the circle is how sure it is.
      var ago = Math.max(0, Math.round((Date.now() - Date.parse(c.received_at)) / 60000));
      var what = (SOURCES[c.source] || c.source) + (c.uncertainty_m !== null ? ", " + Math.round(c.uncertainty_m) + " m" : "") +
                 ", " + (ago ? ago + " min ago" : "just now") + (c.incident_reference ? " (" + c.incident_reference + ")" : "");
      var circle = L.circle([c.latitude, c.longitude], {radius: Math.max(c.uncertainty_m || 0, 5), color: "#912b88",
        weight: 2, dashArray: "4 3", fillColor: "#912b88", fillOpacity: 0.15, className: "caller-fix"});
      circle.bindTooltip("Caller: " + what);
      circle.addTo(markers);
      var li = text("li", "caller-fix", what);
      li.dataset.source = c.source;
      callerList.append(li);
    });
    el.setAttribute("data-updated", Date.now());
  }
  var SOURCES = {aml_sms: "AML", aml_https: "AML", scene_gps: "Shared by phone"};

  var pending = null;
  function refresh() {
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      get("/api/map").then(draw).catch(function () {
        document.getElementById("live-status").textContent = "Update failed; retrying";
      });
    }, 100);
  }
  refresh();
  window.demandhubLive(function () { refresh(); }, document.getElementById("live-status"), ["incidents", "units", "locations"]);
})();

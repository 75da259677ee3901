// The call-taking screen: live risk cues and grade recommendation, then one submit that
// records the contact, its THRIVE+ assessment and the incident with the handler's decision.
"use strict";
(function () {
  var form = document.getElementById("call-form");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var idempotencyKey = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random();
  // Without a telephony feed the screen cannot know when a call reached the force; it records
  // the moment the handler starts the record as both presented and answered. A telephony
  // integration sends the true times through the API instead.
  var startedAt = null;
  form.addEventListener("input", function () { if (!startedAt) startedAt = new Date().toISOString(); }, true);
  var removedCues = {};
  var currentCues = [];

  function $(id) { return document.getElementById(id); }
  function debounce(fn, ms) { var t; return function () { clearTimeout(t); t = setTimeout(fn, ms); }; }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; }

  function api(path, body, extraHeaders) {
    var headers = {"Content-Type": "application/json", "X-CSRF-Token": csrf};
    Object.assign(headers, extraHeaders || {});
    return fetch(path, {method: "POST", headers: headers, credentials: "same-origin", body: JSON.stringify(body)})
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (j) { return {ok: r.ok, status: r.status, body: j}; }); });
  }

  function checked(name) {
    return Array.prototype.map.call(form.querySelectorAll('input[name="' + name + '"]:checked'), function (i) { return i.value; });
  }

  function draft() {
    var dims = {};
    form.querySelectorAll("[data-dimension]").forEach(function (s) {
      var name = s.dataset.dimension;
      var rationale = form.querySelector('[data-dimension-rationale="' + name + '"]').value;
      if (s.value || rationale.trim()) dims[name] = {level: s.value || null, rationale: rationale || null};
    });
    return {
      incident_type: $("incident_type").value || null,
      qualifiers: checked("qualifiers"),
      dimensions: dims,
      vulnerabilities: checked("vulnerabilities"),
      cue_flags: currentCues.filter(function (c) { return !removedCues[c.flag]; }).map(function (c) { return c.flag; })
    };
  }

  function renderRecommendation(rec) {
    $("rec-grade").textContent = rec.grade + " – " + rec.grade_label;
    $("rec-grade").className = "grade-big grade-" + rec.grade;
    $("rec-policy").textContent = "Policy " + rec.policy_name + " v" + rec.policy_version;
    var rules = $("rec-rules"); rules.innerHTML = "";
    if (!rec.fired.length) rules.appendChild(el("li", "No rule fired: the policy's default grade."));
    rec.fired.forEach(function (r) {
      var li = el("li");
      li.appendChild(el("strong", r.id));
      li.appendChild(document.createTextNode((r.grade ? " → grade " + r.grade : "") + ": " + r.description));
      if (r.reasons && r.reasons.length) li.appendChild(el("span", " (" + r.reasons.join("; ") + ")", "hint"));
      rules.appendChild(li);
    });
    var actions = $("rec-actions"); actions.innerHTML = "";
    if (!rec.required_actions.length) actions.appendChild(el("li", "None."));
    rec.required_actions.forEach(function (a) { actions.appendChild(el("li", a)); });
  }

  var preview = debounce(function () {
    api("/api/grading/preview", draft()).then(function (res) {
      if (res.ok) renderRecommendation(res.body.recommendation);
    });
  }, 200);

  function renderCues() {
    var box = $("cues"); box.innerHTML = "";
    currentCues.forEach(function (c) {
      var label = el("label", null, "cue");
      var box2 = document.createElement("input");
      box2.type = "checkbox"; box2.checked = !removedCues[c.flag]; box2.dataset.cue = c.flag;
      box2.addEventListener("change", function () { removedCues[c.flag] = !box2.checked; preview(); });
      label.appendChild(box2);
      label.appendChild(document.createTextNode(" " + c.label + ": "));
      label.appendChild(el("q", c.matches.join(", ")));
      box.appendChild(label);
    });
  }

  var findCues = debounce(function () {
    api("/api/cues", {text: $("description").value}).then(function (res) {
      if (!res.ok) return;
      currentCues = res.body; renderCues(); preview();
    });
  }, 250);

  form.addEventListener("input", function (e) { if (e.target.id === "description") findCues(); else preview(); });
  form.addEventListener("change", function (e) {
    if (e.target.name === "decision") $("override-fields").hidden = e.target.value !== "override";
    preview();
  });

  function showErrors(messages) {
    var list = $("error-list"); list.innerHTML = "";
    messages.forEach(function (m) { list.appendChild(el("li", m)); });
    $("error-summary").hidden = false;
    $("error-summary").focus();
  }

  function problemsOf(res) {
    var b = res.body || {};
    if (b.problems && b.problems.length) return b.problems.map(function (p) { return p.message; });
    if (Array.isArray(b.detail)) return b.detail.map(function (d) { return (d.loc || []).slice(1).join(".") + ": " + d.msg; });
    return [b.detail || ("The server answered " + res.status)];
  }

  // Safeguarding done on the call goes on the incident once it exists. The call is already
  // safe by then; if this part fails the incident page says so and its panel can record it.
  function recordSafeguarding(incident) {
    var kinds = checked("safeguarding");
    if (!kinds.length) return Promise.resolve();
    var note = ($("safeguarding-note").value || "").trim() || "Recorded at first contact.";
    var missed = "Some safeguarding actions were not recorded: add them in the safeguarding panel.";
    // Never fails: the call is recorded, so the handler goes to it whatever happens here
    // (a retry of the whole call would record these actions twice).
    return Promise.all(kinds.map(function (kind) {
      return api("/api/incidents/" + incident.id + "/safeguarding", {kind: kind, note: note});
    })).then(function (results) {
      if (results.some(function (r) { return !r.ok; })) window.sessionStorage.setItem("demandhub-notice", missed);
    }, function () { window.sessionStorage.setItem("demandhub-notice", missed); });
  }

  // A contact recorded earlier keeps the position its sender gave; a pin the handler placed or
  // moved while assessing it places the incident (a second request: the incident exists by then).
  var existingId = form.dataset.contactId ? Number(form.dataset.contactId) : null;
  var givenPosition = $("latitude").value + "," + $("longitude").value;
  function placeMovedPin(incident) {
    var lat = $("latitude").value.trim(), lon = $("longitude").value.trim();
    if (!existingId || lat === "" || lon === "" || lat + "," + lon === givenPosition) return Promise.resolve();
    return api("/api/incidents/" + incident.id + "/location", {latitude: Number(lat), longitude: Number(lon)})
      .then(function (r) {
        if (!r.ok) window.sessionStorage.setItem("demandhub-notice", "The pin you placed was not saved: place the incident again.");
      }, function () {});
  }
  if (existingId) ["description", "caller_number", "latitude"].forEach(function (id) {
    if ($(id).value) $(id).dispatchEvent(new Event("input", {bubbles: true}));  // cues, history, duplicates
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    $("submit").disabled = true;
    var ndm = {};
    form.querySelectorAll("[data-ndm]").forEach(function (t) { if (t.value.trim()) ndm[t.dataset.ndm] = t.value; });
    var assessment = draft(); assessment.ndm = ndm;
    var override = form.querySelector('input[name="decision"]:checked').value === "override";
    var lat = $("latitude").value.trim(), lon = $("longitude").value.trim();
    var call = {assessment: assessment};
    if (existingId) call.contact_id = existingId;  // recorded earlier (an online report, a chat)
    else call.contact = {
      channel: $("channel").value, caller_name: $("caller_name").value || null,
      caller_number: $("caller_number").value || null, location_text: $("location_text").value || null,
      latitude: lat === "" ? null : Number(lat), longitude: lon === "" ? null : Number(lon),
      description: $("description").value, presented_at: startedAt, answered_at: startedAt
    };
    // A further report of an open incident joins it; otherwise the decision opens a new one.
    var linkTo = $("link-to").value;
    if (linkTo) call.link_to_incident_id = Number(linkTo);
    else call.decision = override ? {decision: "override", grade: $("override-grade").value, rationale: $("override-rationale").value}
                                  : {decision: "accept"};
    // One request, one transaction: the contact, its assessment and the incident, or nothing.
    // The key makes a retry after a lost answer return the incident already opened.
    api("/api/calls", call, {"Idempotency-Key": idempotencyKey}).then(function (res) {
      if (!res.ok) throw res;
      return recordSafeguarding(res.body).then(function () { return placeMovedPin(res.body); })
        .then(function () { window.location.href = "/incidents/" + res.body.reference; });
    }).catch(function (res) {
      $("submit").disabled = false;
      showErrors(res && res.status ? problemsOf(res) : ["Could not reach the server. Nothing was lost: try again."]);
    });
  });
  preview();
})();

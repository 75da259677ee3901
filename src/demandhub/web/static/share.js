// The caller's share page (scene/templates/scene_share.html): with the caller's consent, sends
// the phone's position as it changes, photos and clips they take, and, where the browser can
// record video, a live camera stream as short self-contained segments. Plain JS, no build step.
"use strict";
(function () {
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  function $(id) { return document.getElementById(id); }
  function say(id, text) { $(id).textContent = text; }
  function clock(d) { return d.toLocaleTimeString("en-GB", {hour: "2-digit", minute: "2-digit", second: "2-digit"}); }

  var over = false;
  // The link has ended (expired, withdrawn) or this browser lost its claim: stop everything, say so.
  function end(detail) {
    if (over) return;
    over = true;
    stopLocation(); stopLive();
    var box = $("ended");
    box.textContent = (detail || "This link can no longer be used") + ". Nothing more is being sent.";
    box.hidden = false;
    Array.prototype.forEach.call(document.querySelectorAll("main button, main input"), function (el) { el.disabled = true; });
  }

  function post(url, form) {
    form.append("csrf", csrf);
    return fetch(url, {method: "POST", body: form, credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (r.status === 410 || r.status === 403) end(body.detail);
          return {status: r.status, body: body};
        });
      });
  }
  function problem(result) {
    if (result.status === 413) return "That file is too large to send. Try a shorter video or a photo.";
    if (result.status === 422) return "That could not be sent: " + (result.body.detail || "it is not a photo or video we accept") + ".";
    if (result.status === 429) return "Too much sent too quickly. Wait a minute, then try again.";
    return "That could not be sent (" + result.status + "). Try again.";
  }

  // --- Location: watchPosition with high accuracy; a new fix is sent at most every 5 s,
  // sooner when it is much more accurate than the last one sent.
  var watch = null, lastSent = 0, lastAccuracy = Infinity, sending = false;
  function stopLocation() {
    if (watch !== null) navigator.geolocation.clearWatch(watch);
    watch = null;
    $("share-location").hidden = false;
    $("stop-location").hidden = true;
  }
  function sendFix(p) {
    var now = Date.now(), acc = p.coords.accuracy;
    if (sending || (now - lastSent < 5000 && !(acc < lastAccuracy / 2))) return;
    sending = true;
    var form = new FormData();
    form.append("latitude", p.coords.latitude);
    form.append("longitude", p.coords.longitude);
    form.append("accuracy", acc);
    form.append("timestamp", Math.round(p.timestamp));
    post("/s/position", form).then(function (result) {
      if (result.status === 201) {
        lastSent = now; lastAccuracy = acc;
        say("location-status", "Location sent at " + clock(new Date()) + " (accurate to about " + Math.round(acc) +
            " m). Still sharing while this page is open.");
      } else if (!over) {
        say("location-status", problem(result));
      }
    }).catch(function () {
      say("location-status", "No connection: your location will be sent when the signal returns.");
    }).then(function () { sending = false; });
  }
  function locationError(err) {
    var text = {1: "You did not allow this page to use your location. You can still tell the call handler where you are, or allow it in your browser's settings and try again.",
                2: "Your phone could not find its location. Try moving to open sky, or tell the call handler where you are.",
                3: "Finding your location is taking a long time; still trying."}[err.code] || "Your location could not be found.";
    say("location-status", text);
    if (err.code === 1) stopLocation();
  }
  $("share-location").addEventListener("click", function () {
    if (!("geolocation" in navigator)) {
      say("location-status", "This browser cannot share its location. Tell the call handler where you are.");
      return;
    }
    say("location-status", "Finding your location…");
    watch = navigator.geolocation.watchPosition(sendFix, locationError,
                                                {enableHighAccuracy: true, maximumAge: 0, timeout: 30000});
    $("share-location").hidden = true;
    $("stop-location").hidden = false;
  });
  $("stop-location").addEventListener("click", function () {
    stopLocation();
    say("location-status", "You stopped sharing your location.");
  });

  // --- Photo or video chosen or taken: checked for size here, for type and size on the server.
  var photoForm = $("photo-form");
  photoForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var file = $("photo-file").files[0];
    if (!file) { say("photo-status", "First take or choose a photo or video."); return; }
    var video = /^video\//.test(file.type);
    var max = Number(photoForm.dataset[video ? "maxVideo" : "maxImage"]);
    if (file.size > max) { say("photo-status", problem({status: 413, body: {}})); return; }
    var form = new FormData();
    form.append("file", file, file.name || (video ? "video" : "photo"));
    $("send-photo").disabled = true;
    say("photo-status", "Sending…");
    post("/s/upload", form).then(function (result) {
      if (result.status === 201) {
        say("photo-status", "Sent. Thank you: the call handler can see it now.");
        var item = document.createElement("li");
        item.textContent = (video ? "Video" : "Photo") + " sent at " + clock(new Date());
        $("sent-list").appendChild(item);
        photoForm.reset();
      } else if (!over) {
        say("photo-status", problem(result));
      }
    }).catch(function () {
      say("photo-status", "No connection: it was not sent. Try again when you have signal.");
    }).then(function () { if (!over) $("send-photo").disabled = false; });
  });

  // --- Live camera: MediaRecorder restarted every few seconds, so each segment is a whole
  // WebM (or MP4) file the control room can play on its own, and kept as evidence with a hash.
  var SEGMENT_MS = 4000, stream = null, recorder = null, live = false, inFlight = 0, segments = 0;
  var type = window.MediaRecorder && ["video/webm;codecs=vp8", "video/webm", "video/mp4"].filter(function (t) {
    return MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(t);
  })[0];
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia && type) $("live-section").hidden = false;

  function stopLive() {
    live = false;
    if (recorder && recorder.state !== "inactive") recorder.stop();
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    $("live-preview").hidden = true;
    $("start-live").hidden = false;
    $("stop-live").hidden = true;
  }
  function sendSegment(blob) {
    if (!blob.size || over) return;
    if (inFlight >= 2) { say("live-status", "The connection is slow: some video was not sent."); return; }
    inFlight += 1;
    var form = new FormData();
    form.append("file", blob, "live-" + (++segments) + (type.indexOf("mp4") >= 0 ? ".mp4" : ".webm"));
    post("/s/live/upload", form).then(function (result) {
      if (result.status === 201) say("live-status", "Live: last sent at " + clock(new Date()) + ".");
      else if (!over) say("live-status", problem(result));
    }).catch(function () {
      say("live-status", "No connection: video is not reaching the control room.");
    }).then(function () { inFlight -= 1; });
  }
  function recordSegment() {
    if (!live || !stream) return;
    var chunks = [];
    recorder = new MediaRecorder(stream, {mimeType: type, videoBitsPerSecond: 800000});
    recorder.ondataavailable = function (e) { if (e.data && e.data.size) chunks.push(e.data); };
    recorder.onstop = function () {
      sendSegment(new Blob(chunks, {type: type.split(";")[0]}));
      recordSegment();
    };
    recorder.start();
    setTimeout(function () { if (recorder.state === "recording") recorder.stop(); }, SEGMENT_MS);
  }
  $("start-live").addEventListener("click", function () {
    say("live-status", "Starting the camera… your phone will ask: choose Allow.");
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false}).then(function (s) {
      stream = s; live = true;
      var preview = $("live-preview");
      preview.srcObject = s; preview.hidden = false; preview.play();
      $("start-live").hidden = true;
      $("stop-live").hidden = false;
      say("live-status", "Live: sending your camera's picture.");
      recordSegment();
    }).catch(function () {
      say("live-status", "The camera could not be started (not allowed, or in use). You can still send a photo or video above.");
    });
  });
  $("stop-live").addEventListener("click", function () {
    stopLive();
    say("live-status", "You stopped the live video.");
  });
})();

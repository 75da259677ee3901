// The public chat page, made live: messages arrive by server-sent events (/chat/stream) and
// sending does not reload the page. Without this script the page still works (form + reload).
"use strict";
(function () {
  var log = document.getElementById("chat-log");
  var status = document.getElementById("chat-status");
  var form = document.getElementById("chat-send");
  if (!log || !status || !form) return;
  var box = form.querySelector("textarea");
  var problem = document.getElementById("send-problem");
  var checkLink = document.getElementById("check-new");
  var source = null;

  function time(iso) {
    var d = new Date(iso);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function addLine(m) {
    if (log.querySelector('[data-id="' + m.id + '"]')) return;
    var li = document.createElement("li");
    li.className = "chat-line " + (m.mine ? "mine" : "theirs");
    li.setAttribute("data-id", m.id);
    var meta = document.createElement("p");
    meta.className = "chat-meta";
    var who = document.createElement("span");
    who.className = "chat-who";
    who.textContent = m.who;
    var when = document.createElement("time");
    when.setAttribute("datetime", m.at);
    when.textContent = time(m.at);
    meta.appendChild(who);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(when);
    var body = document.createElement("p");
    body.className = "chat-body";
    body.textContent = m.body;  // text, never HTML
    li.appendChild(meta);
    li.appendChild(body);
    log.appendChild(li);
    li.scrollIntoView({block: "end"});
  }

  function say(state) {
    var text;
    if (state.status === "waiting") {
      text = "Waiting for someone to answer — you are number " + state.position + " in the queue.";
    } else if (state.status === "answered") {
      text = "You are chatting with " + (state.handler || "the control room") + ".";
    } else if (state.status === "left") {
      text = "You ended this chat.";
    } else {
      text = "This chat has ended. If you need us again, send a new message or start a new chat.";
    }
    if (status.textContent.trim() !== text) status.textContent = text;
    status.setAttribute("data-status", state.status);
    status.classList.toggle("ended", state.status === "ended" || state.status === "left");
  }

  function connect() {
    if (!window.EventSource) return;
    source = new EventSource("/chat/stream?after=" + (log.getAttribute("data-last-id") || "0"));
    source.addEventListener("chat", function (e) {
      var state = JSON.parse(e.data);
      state.messages.forEach(addLine);
      say(state);
      if (state.status === "ended" || state.status === "left") {
        source.close();
        var label = form.querySelector("label[for=message]");
        if (label) label.textContent = "Send a new message (starts a new chat)";
        var end = document.querySelector(".chat-end");
        if (end) end.hidden = true;
      }
    });
    if (checkLink) checkLink.hidden = true;  // the page follows the chat by itself
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = box.value.trim();
    if (!text) { problem.textContent = "Write a message before sending"; problem.hidden = false; box.focus(); return; }
    var data = new URLSearchParams(new FormData(form));
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch("/chat/send", {method: "POST", body: data, credentials: "same-origin",
                         headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, body: j}; }); })
      .then(function (r) {
        if (!r.ok) throw new Error(r.body.detail || "Your message was not sent. Try again.");
        problem.hidden = true;
        box.value = "";
        if (r.body.new_chat) { window.location.reload(); return; }
        box.focus();
      })
      .catch(function (err) {
        problem.textContent = err.message && err.message.indexOf("Failed to fetch") < 0 ? err.message
          : "Your message was not sent: check your connection and try again.";
        problem.hidden = false;
      })
      .then(function () { button.disabled = false; });
  });

  var last = log.lastElementChild;
  if (last) last.scrollIntoView({block: "end"});
  connect();
})();

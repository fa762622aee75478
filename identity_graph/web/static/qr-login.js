// QR-code login: learn of the app's approval from the qrLoginStatus subscription
// (graphql-transport-ws over a WebSocket to /graphql), then complete the login with one POST.
// Where the WebSocket cannot open or drops, fall back to polling the same endpoint.
(function () {
  "use strict";
  var status = document.getElementById("qr-status");
  if (!status) { return; }
  var body = "request_id=" + encodeURIComponent(status.dataset.request) +
    "&poll_token=" + encodeURIComponent(status.dataset.poll);
  var finished = false;
  var polling = false;

  function complete(then) {
    fetch("/login/qr/status", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body,
      credentials: "same-origin"
    }).then(function (response) { return response.json(); }).then(function (answer) {
      if (answer.state === "completed") { finished = true; window.location.assign(answer.next); return; }
      if (answer.state === "expired") { finished = true; status.textContent = status.dataset.expired; return; }
      if (then) { then(); }
    }).catch(function () { if (then) { window.setTimeout(then, 1500); } });
  }

  function poll() {
    if (finished) { return; }
    polling = true;
    complete(function () { window.setTimeout(poll, 1500); });
  }

  function subscribe() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new WebSocket(scheme + window.location.host + "/graphql", "graphql-transport-ws");
    } catch (error) { poll(); return; }
    var opened = false;
    socket.onopen = function () {
      opened = true;
      socket.send(JSON.stringify({ type: "connection_init", payload: {} }));
    };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "connection_ack") {
        socket.send(JSON.stringify({
          id: "qr", type: "subscribe", payload: {
            query: "subscription($id: ID!, $poll: String!) { qrLoginStatus(requestId: $id, pollToken: $poll) }",
            variables: { id: status.dataset.request, poll: status.dataset.poll }
          }
        }));
      } else if (message.type === "next" && message.payload && message.payload.data) {
        var state = message.payload.data.qrLoginStatus;
        if (state === "APPROVED") { complete(); }
        if (state === "EXPIRED") { finished = true; status.textContent = status.dataset.expired; }
      }
    };
    socket.onclose = function () { if (!finished && !polling) { window.setTimeout(poll, opened ? 500 : 0); } };
  }

  if (window.WebSocket) { subscribe(); } else { window.setTimeout(poll, 1000); }
}());

// QR-code login: poll until a logged-in app approves, then follow the server's answer.
(function () {
  "use strict";
  var status = document.getElementById("qr-status");
  if (!status) { return; }
  var body = "request_id=" + encodeURIComponent(status.dataset.request) +
    "&poll_token=" + encodeURIComponent(status.dataset.poll);
  function poll() {
    fetch("/login/qr/status", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body,
      credentials: "same-origin"
    }).then(function (response) { return response.json(); }).then(function (answer) {
      if (answer.state === "completed") { window.location.assign(answer.next); return; }
      if (answer.state === "expired") { status.textContent = status.dataset.expired; return; }
      window.setTimeout(poll, 1500);
    }).catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
}());

// "Hard to read? Get another": swap the captcha image and its id in place, so what the user
// already typed in the form stays. The link itself reloads the page where this script does
// not run, and is followed when the new captcha cannot be had (e.g. rate limited).
(function () {
  "use strict";
  var QUERY = "{ captcha { id imageDataUrl } }";

  function refresh(link) {
    var form = link.closest("form");
    var image = document.getElementById(link.dataset.image);
    var id = form && form.querySelector('input[name="' + link.dataset.id + '"]');
    var answer = form && form.querySelector('input[name="' + link.dataset.answer + '"]');
    if (!image || !id) { window.location.assign(link.href); return; }
    link.setAttribute("aria-busy", "true");
    fetch("/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ query: QUERY }),
      credentials: "same-origin"
    }).then(function (response) { return response.json(); }).then(function (result) {
      var captcha = result && result.data && result.data.captcha;
      if (!captcha) { window.location.assign(link.href); return; }
      image.src = captcha.imageDataUrl;
      id.value = captcha.id;
      link.removeAttribute("aria-busy");
      if (answer) { answer.value = ""; answer.focus(); }
    }).catch(function () { window.location.assign(link.href); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("a.captcha-refresh"), function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      refresh(link);
    });
  });
})();

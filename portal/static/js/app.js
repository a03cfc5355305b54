// Small progressive enhancements; the pages work without them.
// Kept free of inline handlers so the Content-Security-Policy can forbid inline script.
(function () {
  "use strict";

  // Ask before irreversible actions on plain (non-htmx) forms; htmx forms use hx-confirm.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.hasAttribute("hx-post")) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // Browsers without ::details-content cannot show a closed <details> inline on wide screens;
  // open the menu there so navigation is never hidden behind a button nobody sees.
  var menu = document.querySelector("details.menu");
  var wide = window.matchMedia("(min-width: 900px)");
  if (menu && !CSS.supports("selector(::details-content)")) {
    var sync = function () { menu.open = wide.matches; };
    sync();
    wide.addEventListener("change", sync);
  }

  // Close a toast (the new-badge announcement) with its close button.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element && event.target.closest("[data-dismiss='toast']");
    var toast = button && button.closest(".toast");
    if (toast) toast.remove();
  });

  // Tick a campaign's countdown once a minute (the server wrote it, and the words with holes
  // for the numbers); when the moment comes, reload so the server shows the next phase.
  var clock = document.querySelector(".countdown[data-until]");
  if (clock) {
    var until = Date.parse(clock.getAttribute("data-until"));
    var tick = function () {
      var left = until - Date.now();
      if (left <= 0) { window.location.reload(); return; }
      var minutes = Math.ceil(left / 60000);
      var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
      var words = clock.getAttribute(days ? "data-long" : "data-short")
        .replace("{d}", days).replace("{h}", hours).replace("{m}", minutes % 60);
      clock.querySelector("strong").textContent =
        clock.getAttribute("data-label").replace("{left}", words);
    };
    window.setInterval(tick, 60000);
  }

  // Move focus to the first field with an error after an htmx swap, for keyboard and screen readers.
  document.addEventListener("htmx:afterSwap", function (event) {
    var invalid = event.target.querySelector("[aria-invalid='true']");
    if (invalid) invalid.focus();
  });
})();

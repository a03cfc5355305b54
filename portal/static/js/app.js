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

  // Move focus to the first field with an error after an htmx swap, for keyboard and screen readers.
  document.addEventListener("htmx:afterSwap", function (event) {
    var invalid = event.target.querySelector("[aria-invalid='true']");
    if (invalid) invalid.focus();
  });
})();

/*
 * Progressive enhancement for the public report form. Everything works without this file.
 * - Moves focus to the error summary when a page comes back with errors, so screen reader
 *   and keyboard users land on the list of problems first.
 * - Makes a link in the error summary move focus to its field, not only scroll to it.
 */
(function () {
  "use strict";

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  function linkErrorsToFields() {
    var links = document.querySelectorAll("[data-error-summary] a[href^='#']");
    Array.prototype.forEach.call(links, function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) {
          return;
        }
        event.preventDefault();
        var group = target.closest(".usa-form-group") || target;
        group.scrollIntoView();
        target.focus();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    linkErrorsToFields();
  });
})();

/*
 * Progressive enhancement for the public report form. Everything works without this file.
 * - Moves focus to the error summary when a page comes back with errors, so screen reader
 *   and keyboard users land on the list of problems first.
 * - Makes a link in the error summary move focus to its field, not only scroll to it.
 * - "Leave this site quickly": a click, or Shift pressed three times in a row, blanks the page
 *   at once, has the server forget the answers not yet sent (and sign out of a report), and
 *   replaces the page in the history with the exit site. Back then finds neither this page
 *   nor, on the pages before it, anything that was typed.
 * - After Back or Forward, shows the answers the server sent, not those the browser put back.
 * Nothing is kept in the browser: no cookie of its own and no web storage.
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

  // Three presses of Shift alone, each within this long of the one before, leave the site.
  var SHIFT_PRESSES_TO_LEAVE = 3;
  var SHIFT_WINDOW_MS = 2000;

  function setUpQuickExit() {
    var exit = document.querySelector("[data-quick-exit]");
    var link = document.getElementById("quick-exit-link");
    if (!exit || !link) {
      return;
    }
    var hint = document.getElementById("quick-exit-hint");
    var status = document.getElementById("quick-exit-status");
    var presses = 0;
    var timer = null;
    var otherKeyDown = false;

    // The shortcut only exists with this script, so only now is it announced or explained.
    if (hint) {
      hint.hidden = false;
      link.setAttribute("aria-describedby", hint.id);
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-js-only]"), function (node) {
      node.hidden = false;
    });

    function announce(text) {
      if (status) {
        status.textContent = text || "";
      }
    }

    function leave() {
      // Blank first: the page must be gone from the screen before the exit site has loaded.
      document.documentElement.classList.add("rd-leaving");
      document.title = exit.getAttribute("data-leaving") || "";
      var forget = exit.getAttribute("data-forget");
      if (forget && navigator.sendBeacon) {
        // Sent even as the page unloads; the session cookie goes with it.
        navigator.sendBeacon(forget);
      }
      window.location.replace(link.href);
    }

    function reset() {
      presses = 0;
      window.clearTimeout(timer);
      timer = null;
    }

    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
        return;
      }
      event.preventDefault();
      leave();
    });

    document.addEventListener("keydown", function (event) {
      if (event.key === "Shift") {
        if (!event.repeat) {
          otherKeyDown = false;
        }
        return;
      }
      // Shift held for a capital letter is typing, not the shortcut; any other key starts
      // the count again.
      otherKeyDown = true;
      if (presses > 0) {
        reset();
        announce("");
      }
    });

    document.addEventListener("keyup", function (event) {
      if (event.key !== "Shift") {
        return;
      }
      if (otherKeyDown) {
        otherKeyDown = false;
        return;
      }
      presses += 1;
      window.clearTimeout(timer);
      if (presses >= SHIFT_PRESSES_TO_LEAVE) {
        reset();
        leave();
        return;
      }
      announce(
        exit.getAttribute(presses === 1 ? "data-two-more" : "data-one-more")
      );
      timer = window.setTimeout(function () {
        reset();
        announce(exit.getAttribute("data-expired"));
      }, SHIFT_WINDOW_MS);
    });

    // A page left this way and brought back from the browser's memory by Back leaves again.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted && document.documentElement.classList.contains("rd-leaving")) {
        window.location.replace(link.href);
      }
    });
  }

  // Back and Forward make the browser put back what was in a page's fields when it was left,
  // over what the server sends now: after "Leave this site quickly", the answers the server
  // forgot. The server's answers (those kept in the session) are the only ones shown.
  function cameBackInHistory() {
    var entries = window.performance && performance.getEntriesByType
      ? performance.getEntriesByType("navigation")
      : [];
    return entries.length > 0 && entries[0].type === "back_forward";
  }

  function showOnlyTheServersAnswers() {
    Array.prototype.forEach.call(document.forms, function (form) {
      form.reset();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (cameBackInHistory()) {
      showOnlyTheServersAnswers();
    }
    focusErrorSummary();
    linkErrorsToFields();
    setUpQuickExit();
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted || cameBackInHistory()) {
      showOnlyTheServersAnswers();
    }
  });
})();

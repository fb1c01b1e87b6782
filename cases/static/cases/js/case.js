/*
 * The case page as a workbench (templates/cases/case.html). Everything works without this file:
 * each action is then a plain form that reloads the page.
 * - htmx (loaded before this file) sends the actions and swaps what they changed in place; the
 *   server's answer carries the message for the live region next to the form.
 * - A request that cannot be sent, or is answered with an error the page cannot show (a
 *   permission lost, a server fault), says so in that live region instead of doing nothing.
 * - An answer that is not the case page's (the sign-in page after a session expired) is shown
 *   as a page of its own.
 * - "Why is the case closed?" only appears when the move chosen closes the case.
 * - A link to a form in a closed disclosure opens the disclosure.
 */
(function () {
  "use strict";

  function messageSlotFor(form) {
    return form && form.id ? document.getElementById(form.id.replace(/-form$/, "-message")) : null;
  }

  function say(form, text) {
    var slot = messageSlotFor(form);
    if (!slot) {
      return;
    }
    var line = document.createElement("p");
    line.className = "usa-error-message rd-action__failed";
    line.textContent = text;
    slot.replaceChildren(line);
  }

  function showCloseReasonOnlyWhenClosing(root) {
    Array.prototype.forEach.call(
      (root || document).querySelectorAll("select[name$='-to']"),
      function (select) {
        var form = select.form;
        var sync = function () {
          Array.prototype.forEach.call(form.querySelectorAll("[data-shown-for]"), function (box) {
            var shown = select.value === box.getAttribute("data-shown-for");
            var invalid = box.querySelector(".usa-form-group--error");
            box.hidden = !(shown || invalid);
          });
        };
        select.addEventListener("change", sync);
        sync();
      }
    );
  }

  function openDisclosureOf(target) {
    var details = target && target.closest("details");
    if (details) {
      details.open = true;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    showCloseReasonOnlyWhenClosing(document);
    document.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-opens-details]");
      if (!link) {
        return;
      }
      var target = document.getElementById(link.getAttribute("href").slice(1));
      openDisclosureOf(target);
      if (target) {
        var field = target.querySelector("textarea, input:not([type=hidden]), select");
        if (field) {
          event.preventDefault();
          target.scrollIntoView({ block: "nearest" });
          field.focus();
        }
      }
    });
  });

  // Forms swapped in by htmx need the same behaviour as those the page came with.
  document.addEventListener("htmx:afterSettle", function () {
    showCloseReasonOnlyWhenClosing(document);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || !xhr.responseURL) {
      return;
    }
    var asked = new URL(event.detail.requestConfig.path, window.location.href);
    var answered = new URL(xhr.responseURL);
    if (answered.pathname !== asked.pathname) {
      window.location.assign(answered.href);
    }
  });

  function failed(event) {
    var panel = document.getElementById("case-panel");
    var text = panel ? panel.getAttribute("data-send-error") : "";
    var form = event.detail.elt && event.detail.elt.closest("form");
    if (text) {
      say(form, text);
    }
  }

  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);
})();

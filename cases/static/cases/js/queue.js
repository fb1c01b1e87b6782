/*
 * Progressive enhancement for the case queue. Everything works without this file.
 * - A click anywhere on a row opens its case, as its reference link does (the link stays the
 *   way in for keyboards and screen readers). Clicks on the row's own controls (the tick box,
 *   a tag) and text being selected are left alone; Ctrl/Cmd-click opens a new tab.
 * - The bar of bulk actions shows only while cases are ticked, and says how many.
 */
(function () {
  "use strict";

  var CONTROLS = "a, button, input, label, select, textarea, summary";

  function openRowOnClick(table) {
    table.addEventListener("click", function (event) {
      if (event.target.closest(CONTROLS)) {
        return;
      }
      var selection = window.getSelection && window.getSelection();
      if (selection && String(selection).length > 0) {
        return;
      }
      var row = event.target.closest("tbody tr");
      var link = row && row.querySelector("a.rd-queue__link");
      if (!link) {
        return;
      }
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button === 1) {
        window.open(link.href, "_blank", "noopener");
      } else {
        window.location.assign(link.href);
      }
    });
  }

  function bulkBarFollowsTicks(form) {
    var boxes = document.querySelectorAll('input[form="' + form.id + '"][name="bulk-cases"]');
    var status = form.querySelector("#bulk-status");
    var template = form.getAttribute("data-selected-text") || "{count}";

    function update() {
      var ticked = 0;
      Array.prototype.forEach.call(boxes, function (box) {
        if (box.checked) {
          ticked += 1;
        }
      });
      form.hidden = ticked === 0;
      if (status && ticked > 0) {
        var text = ticked === 1 ? form.getAttribute("data-one-selected") : template;
        status.textContent = (text || "").replace("{count}", String(ticked));
      }
    }

    Array.prototype.forEach.call(boxes, function (box) {
      box.addEventListener("change", update);
    });
    // Back/Forward may bring the page back with boxes still ticked.
    window.addEventListener("pageshow", update);
    update();
  }

  function start() {
    var table = document.getElementById("queue-table");
    if (table) {
      openRowOnClick(table);
    }
    var form = document.getElementById("bulk-form");
    if (form) {
      bulkBarFollowsTicks(form);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

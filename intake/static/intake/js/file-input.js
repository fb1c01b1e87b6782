/*
 * The USWDS file input of the evidence step (and of adding to a sent report), in the page's
 * language.
 *
 * uswds.min.js, loaded just before this file, turns the file input into a drop zone with its
 * words in English, and previews chosen files as data: URLs, which our Content Security Policy
 * refuses. This file puts the words of the page's language (data-file-* on the form holding the input) in
 * the drop zone, and shows the chosen files by name and kind instead of USWDS: it handles the
 * input's "change" on the way down, before USWDS's own handler would. Without JavaScript
 * neither file runs and the input is a plain file input, which works the same.
 */
(function () {
  "use strict";

  var PREFIX = "usa-file-input";
  var form = document.querySelector("form[data-file-choose]");
  if (!form) {
    return;
  }
  var words = form.dataset;
  var finePointer = window.matchMedia ? window.matchMedia("(hover: hover) and (pointer: fine)") : null;

  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) {
      made.className = className;
    }
    if (text) {
      made.textContent = text;
    }
    return made;
  }

  function drawInstructions(instructions) {
    instructions.textContent = "";
    if (finePointer && finePointer.matches) {
      instructions.appendChild(element("span", PREFIX + "__drag-text", words.fileDrag));
      instructions.appendChild(document.createTextNode(" "));
      instructions.appendChild(element("span", PREFIX + "__choose", words.fileChoose));
    } else {
      instructions.appendChild(element("span", PREFIX + "__choose", words.fileChooseAlone));
    }
  }

  function iconClass(file) {
    var type = file.type || "";
    if (type === "application/pdf") {
      return PREFIX + "__preview-image--pdf";
    }
    if (type.indexOf("video/") === 0) {
      return PREFIX + "__preview-image--video";
    }
    return PREFIX + "__preview-image--generic";
  }

  function showChosen(target, instructions, input, status) {
    var old = target.querySelectorAll("." + PREFIX + "__preview-heading, ." + PREFIX + "__preview");
    Array.prototype.forEach.call(old, function (node) {
      node.parentNode.removeChild(node);
    });
    var files = input.files || [];
    if (!files.length) {
      instructions.hidden = false;
      status.textContent = words.fileNone;
      return;
    }
    instructions.hidden = true;
    var many = files.length > 1;
    var heading = element(
      "div",
      PREFIX + "__preview-heading",
      many ? words.fileMany.replace("__COUNT__", String(files.length)) : words.fileOne
    );
    heading.setAttribute("aria-hidden", "true");
    heading.appendChild(document.createTextNode(" "));
    heading.appendChild(
      element("span", PREFIX + "__choose", many ? words.fileChangeMany : words.fileChangeOne)
    );
    target.insertBefore(heading, instructions);
    var names = [];
    Array.prototype.forEach.call(files, function (file) {
      var preview = element("div", PREFIX + "__preview");
      preview.setAttribute("aria-hidden", "true");
      preview.appendChild(element("span", PREFIX + "__preview-image " + iconClass(file)));
      preview.appendChild(document.createTextNode(file.name));
      target.insertBefore(preview, input);
      names.push(file.name);
    });
    status.textContent = words.fileStatus.replace("__NAMES__", names.join(", "));
  }

  Array.prototype.forEach.call(document.querySelectorAll("." + PREFIX), function (zone) {
    var input = zone.querySelector("." + PREFIX + "__input");
    var target = zone.querySelector("." + PREFIX + "__target");
    var instructions = zone.querySelector("." + PREFIX + "__instructions");
    var status = zone.querySelector("[aria-live]");
    if (!input || !target || !instructions || !status) {
      return; // USWDS did not draw the drop zone: the plain input needs nothing
    }
    // The input's own label names it; USWDS's English instructions in its place would not.
    input.removeAttribute("aria-label");
    drawInstructions(instructions);
    status.textContent = words.fileNone;
    if (finePointer && finePointer.addEventListener) {
      finePointer.addEventListener("change", function () {
        drawInstructions(instructions);
      });
    }
    zone.addEventListener(
      "change",
      function (event) {
        if (event.target !== input) {
          return;
        }
        event.stopPropagation();
        showChosen(target, instructions, input, status);
      },
      true
    );
  });
})();

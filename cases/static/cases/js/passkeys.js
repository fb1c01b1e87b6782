/*
 * After django-otp-webauthn's script has added a passkey, go on to the address the page names
 * in data-passkey-added-url: the next step of enrolment, or the sign-in-methods page again,
 * which then lists the new passkey. Pages work without this file: passkeys need JavaScript,
 * and without it the pages offer the other ways to sign in.
 */
(function () {
  "use strict";

  document.addEventListener("otp_webauthn.register_complete", function () {
    var target = document.querySelector("[data-passkey-added-url]");
    if (target) {
      window.location.assign(target.getAttribute("data-passkey-added-url"));
    }
  });
})();

// Character counters: progressive enhancement of the "up to N characters" hint under a
// text area. Without this script the hint and the maxlength attribute still apply.
(function () {
  "use strict";
  function update(field, output) {
    var max = parseInt(output.getAttribute("data-max"), 10);
    var used = field.value.length;
    output.textContent = output.getAttribute("data-template")
      .replace("{used}", used.toLocaleString(document.documentElement.lang))
      .replace("{max}", max.toLocaleString(document.documentElement.lang));
    output.classList.toggle("counter-near", used > max * 0.9);
  }
  document.querySelectorAll("[data-counter]").forEach(function (field) {
    var output = document.getElementById(field.getAttribute("data-counter"));
    if (!output) { return; }
    // Announced politely, and only once the person starts typing.
    output.setAttribute("aria-live", "polite");
    update(field, output);
    field.addEventListener("input", function () { update(field, output); });
  });
})();

// Visit form: show the PGA slider's value next to its label (htmx does the scoring).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var slider = document.getElementById("id_pga");
  var output = document.getElementById("pga-value");
  if (!slider || !output) { return; }
  var show = function () { output.textContent = Number(slider.value).toFixed(1); };
  slider.addEventListener("input", show);
  show();
});

// First check-in only: preselect the browser's own time zone so "today" is the patient's date.
(function () {
  "use strict";
  var select = document.querySelector("select[data-auto-tz]");
  if (!select || !window.Intl) { return; }
  var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!tz) { return; }
  for (var i = 0; i < select.options.length; i++) {
    if (select.options[i].value === tz) {
      select.value = tz;
      var label = document.getElementById("tz-current");
      if (label) { label.textContent = tz; }
      return;
    }
  }
})();

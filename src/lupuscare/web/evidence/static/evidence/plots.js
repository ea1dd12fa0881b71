// Draws every Plotly figure on the page from the JSON the server embeds beside it
// (<script type="application/json">, never executed). No inline script: CSP allows scripts
// from our own origin only, and Plotly itself is served locally.
"use strict";
(function () {
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    var config = { displaylogo: false, displayModeBar: false, responsive: true };
    document.querySelectorAll(".plotly-figure[data-figure]").forEach(function (div) {
      var node = document.getElementById(div.getAttribute("data-figure"));
      if (!node) { return; }
      var fig = JSON.parse(node.textContent);
      var layout = Object.assign({}, fig.layout || {});
      layout.margin = Object.assign({ t: 20, r: 20, b: 50 }, layout.margin || {});
      var rows = layout.yaxis && layout.yaxis.categoryarray;
      if (!layout.height && rows) {  // a forest plot: room for every study row
        layout.height = Math.max(260, 110 + 30 * rows.length);
      }
      Plotly.newPlot(div, fig.data, layout, config).then(function () {
        div.setAttribute("data-rendered", "true");
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

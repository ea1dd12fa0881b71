// Draw "My trends" from the JSON the page embeds (#trend-data); Plotly is served locally.
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("trend-data");
    if (!node || !window.Plotly) { return; }
    var data = JSON.parse(node.textContent);
    var config = { responsive: true, displaylogo: false, displayModeBar: false };
    var layout = function (title, yTitle, range) {
      return {
        margin: { l: 40, r: 10, t: 10, b: 40 }, height: 340,
        legend: { orientation: "h", y: -0.25 },
        xaxis: { type: "date" }, yaxis: { title: { text: yTitle }, range: range },
        hovermode: "x unified"
      };
    };
    var sym = document.getElementById("symptom-chart");
    if (sym && data.symptoms.length) {
      var traces = data.symptoms.map(function (s) {
        return { x: data.dates, y: s.values, name: s.label, type: "scatter", mode: "lines+markers", connectgaps: false };
      });
      window.Plotly.newPlot(sym, traces, layout("Symptoms", "0-10", data.symptom_scale), config);
      sym.setAttribute("data-drawn", String(traces.length));
    }
    var trg = document.getElementById("trigger-chart");
    if (trg && data.triggers.length) {
      var tt = data.triggers.map(function (t) {
        return { x: data.dates, y: t.values, name: t.label, type: "bar" };
      });
      var l = layout("Triggers", "value", null);
      l.barmode = "group";
      window.Plotly.newPlot(trg, tt, l, config);
      trg.setAttribute("data-drawn", String(tt.length));
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();

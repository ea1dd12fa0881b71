// Draws the patient timeline from the JSON the server embeds (#timeline-data) with Plotly,
// served locally. No inline script: CSP allows scripts from our own origin only.
"use strict";
(function () {
  function bands(list, color) {
    return list.map(function (b) {
      return { type: "rect", xref: "x", yref: "paper", x0: b[0], x1: b[1], y0: 0, y1: 1,
               fillcolor: color, opacity: 0.18, line: { width: 0 }, layer: "below" };
    });
  }
  function markers(list, color, text) {
    return list.map(function (m) {
      return { type: "line", xref: "x", yref: "paper", x0: m.date, x1: m.date, y0: 0, y1: 1,
               line: { color: color, width: 1, dash: "dot" } };
    });
  }
  function draw() {
    var node = document.getElementById("timeline-data");
    if (!node || typeof Plotly === "undefined") { return; }
    var d = JSON.parse(node.textContent);
    var config = { displaylogo: false, displayModeBar: false, responsive: true };
    var s = d.scores;
    var activity = [
      { x: s.dates, y: s.sledai2k, name: "SLEDAI-2K", mode: "lines+markers" },
      { x: s.dates, y: s.sle_das, name: "SLE-DAS", mode: "lines+markers", yaxis: "y2" },
      { x: d.flares.map(function (f) { return f.date; }), y: d.flares.map(function () { return 0; }),
        name: "flare", mode: "markers", marker: { symbol: "triangle-up", size: 12, color: "#a3231b" },
        text: d.flares.map(function (f) { return f.severity; }) },
      { x: d.treatment_starts.map(function (t) { return t.date; }),
        y: d.treatment_starts.map(function () { return 0; }), name: "treatment start",
        mode: "markers", marker: { symbol: "diamond", size: 10, color: "#2f5fb3" },
        text: d.treatment_starts.map(function (t) { return t.drug; }) }
    ];
    Plotly.newPlot("chart-activity", activity, {
      title: { text: "Disease activity (green: LLDAS, blue: DORIS remission)" },
      yaxis: { title: { text: "SLEDAI-2K" }, rangemode: "tozero" },
      yaxis2: { title: { text: "SLE-DAS" }, overlaying: "y", side: "right", rangemode: "tozero" },
      shapes: bands(d.lldas_bands, "#2a9d4b").concat(bands(d.doris_bands, "#2f5fb3"),
              markers(d.flares, "#a3231b")),
      margin: { t: 40, r: 60, l: 50, b: 40 }, legend: { orientation: "h" }
    }, config);
    var labs = Object.keys(d.labs).map(function (name) {
      var l = d.labs[name];
      return { x: l.dates, y: l.values, name: name + " (" + l.unit + ")", mode: "lines+markers" };
    });
    Plotly.newPlot("chart-labs", labs, {
      title: { text: "Laboratory results" }, yaxis: { type: "log", title: { text: "value (log scale)" } },
      margin: { t: 40, r: 20, l: 50, b: 40 }, legend: { orientation: "h" }
    }, config);
    Plotly.newPlot("chart-treatment", [
      { x: d.prednisone.dates, y: d.prednisone.values, name: "prednisone-equivalent (mg/day)",
        line: { shape: "hv" } },
      { x: d.sdi.dates, y: d.sdi.values, name: "SDI", yaxis: "y2", line: { shape: "hv" } }
    ], {
      title: { text: "Glucocorticoid dose and damage (SDI)" },
      yaxis: { title: { text: "mg/day" }, rangemode: "tozero" },
      yaxis2: { title: { text: "SDI" }, overlaying: "y", side: "right", rangemode: "tozero" },
      margin: { t: 40, r: 60, l: 50, b: 40 }, legend: { orientation: "h" }
    }, config);
  }
  document.addEventListener("DOMContentLoaded", draw);
})();

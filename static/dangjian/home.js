// Draws the home page chart from the JSON the server embedded (no inline script under CSP).
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("kind-chart");
  var source = document.getElementById("kind-chart-data");
  if (!box || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(box, null, { renderer: "svg" });
  chart.setOption({
    color: ["#b71c1c"],
    tooltip: {},
    grid: { left: 40, right: 10, top: 20, bottom: 30 },
    xAxis: { type: "category", data: data.labels },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: data.values, label: { show: true, position: "top" } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});

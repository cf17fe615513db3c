// Draws the home page charts from the JSON the server embedded (no inline script under CSP).
// A box names its data with data-chart; the data holds labels, values and, when each bar counts
// records the user can open, their urls (a click on a bar opens its list).
document.addEventListener("DOMContentLoaded", function () {
  if (typeof echarts === "undefined") { return; }
  var boxes = document.querySelectorAll("[data-chart]");
  var charts = [];
  boxes.forEach(function (box) {
    var source = document.getElementById(box.getAttribute("data-chart"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var horizontal = box.getAttribute("data-horizontal") === "1";
    var chart = echarts.init(box, null, { renderer: "svg" });
    var categories = { type: "category", data: data.labels, inverse: horizontal,
      axisLabel: { width: horizontal ? 150 : 80, overflow: "truncate", interval: 0 } };
    var numbers = { type: "value", minInterval: 1 };
    // One series ({labels, values, urls}) or several stacked ({labels, series: [{name, ...}]}).
    var series = data.series || [{ name: "", values: data.values, urls: data.urls }];
    var stacked = series.length > 1;
    chart.setOption({
      color: ["#b71c1c", "#f0a30a", "#6c757d"],
      tooltip: {},
      legend: stacked ? { top: 0 } : undefined,
      grid: { left: horizontal ? 160 : 40, right: 20, top: stacked ? 30 : 20, bottom: 30 },
      xAxis: horizontal ? numbers : categories,
      yAxis: horizontal ? categories : numbers,
      series: series.map(function (s) {
        return { type: "bar", name: s.name, data: s.values, stack: stacked ? "all" : undefined,
          cursor: s.urls ? "pointer" : "default",
          label: { show: true, position: stacked ? "inside" : (horizontal ? "right" : "top"),
            formatter: function (p) { return p.value ? p.value : ""; } } };
      })
    });
    chart.on("click", function (params) {
      var urls = series[params.seriesIndex] && series[params.seriesIndex].urls;
      var url = urls && urls[params.dataIndex];
      if (url) { window.location.href = url; }
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
});

// The review desk's charts. The server counts everything; this only draws the counts it was given.
// Each chart is hidden from screen readers: the table beside it says the same in text.
(function () {
  "use strict";
  var source = document.getElementById("desk-chart-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var charts = [];
  // Patterns as well as colours (ECharts decals), so no series is told apart by colour alone.
  var aria = { enabled: true, decal: { show: true } };
  var font = { fontFamily: "Noto Sans CJK SC, Microsoft YaHei, sans-serif" };

  function draw(element, option) {
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(Object.assign({ aria: aria, textStyle: font, animation: false }, option));
    charts.push(chart);
  }

  data.grades.forEach(function (group, index) {
    var element = document.getElementById("grade-chart-" + index);
    if (!element) return;
    draw(element, {
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: group.labels, axisLabel: { interval: 0, hideOverlap: false } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", name: "表数", data: group.counts, itemStyle: { color: "#8b1a1a" },
                 label: { show: true, position: "top" } }],
    });
  });

  var execution = document.getElementById("execution-chart");
  if (execution && data.execution.departments.length) {
    execution.style.height = Math.max(160, 40 + data.execution.departments.length * 28) + "px";
    var series = [
      { key: "ok", name: "达到要求", color: "#1f7a3f" },
      { key: "low", name: "执行率偏低", color: "#c81e1e" },
      { key: "none", name: "未填预算", color: "#9aa5b1" },
    ].map(function (s) {
      return { type: "bar", stack: "forms", name: s.name, data: data.execution[s.key],
               itemStyle: { color: s.color }, label: { show: true, formatter: function (p) { return p.value || ""; } } };
    });
    draw(execution, {
      legend: { top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, name: "张" },
      yAxis: { type: "category", inverse: true, data: data.execution.departments,
               axisLabel: { width: 140, overflow: "truncate" } },
      series: series,
    });
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();

// The report's own browser script (plain ES2017, run after uPlot): one uPlot chart per probe path from the inline
// JSON data. Every peer string reaches the page through textContent or canvas fillText, never as HTML.
export const CHART_SCRIPT = `(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('drill-data').textContent);
  var COLORS = {
    stale: '#b91c1c', verifier: '#7c3aed', identity: '#c2410c', grace: '#2563eb',
    'sm-notify': '#0f766e', reclaim: '#4b5563', 'lost-write': '#dc2626'
  };
  var t0 = data.startMs / 1000, t1 = data.endMs / 1000;
  function utc(ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); }
  // Tick labels as UTC clock times (21:37:15, 21:37:15.5), as the tables show them.
  function clock(u, splits) {
    return splits.map(function (s) {
      var iso = new Date(Math.round(s * 1000)).toISOString();
      return iso.slice(20, 23) === '000' ? iso.slice(11, 19) : iso.slice(11, 23).replace(/0+$/, '');
    });
  }
  function stateSeries(bands) {
    var xs = [t0], ys = [1];
    bands.forEach(function (b) {
      var s = Math.max(b.startMs / 1000, t0), e = Math.min(b.endMs / 1000, t1);
      xs.push(s); ys.push(0);
      if (!b.open) { xs.push(e); ys.push(1); }
    });
    xs.push(t1); ys.push(ys[ys.length - 1]);
    for (var i = 1; i < xs.length; i++) if (xs[i] < xs[i - 1]) xs[i] = xs[i - 1];
    return [xs, ys];
  }
  function drawBands(u, bands) {
    var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
    ctx.save();
    bands.forEach(function (b) {
      var x0 = u.valToPos(Math.max(b.startMs / 1000, t0), 'x', true);
      var x1 = u.valToPos(Math.min(b.endMs / 1000, t1), 'x', true);
      ctx.fillStyle = 'rgba(220, 38, 38, 0.18)';
      ctx.fillRect(x0, top, Math.max(x1 - x0, 2), h);
      ctx.fillStyle = '#991b1b';
      ctx.font = (12 * devicePixelRatio) + 'px system-ui, sans-serif';
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      var text = Math.round(b.endMs - b.startMs) + ' ms' + (b.open ? ' (still down)' : '');
      ctx.fillText(text, x0 + 6 * devicePixelRatio, top + h * 0.55);
    });
    ctx.restore();
  }
  function drawMarkers(u, markers) {
    var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height, rows = [-1e9, -1e9, -1e9];
    ctx.save();
    ctx.font = (11 * devicePixelRatio) + 'px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    markers.forEach(function (m) {
      var x = u.valToPos(m.atMs / 1000, 'x', true);
      var color = COLORS[m.kind] || '#111827';
      ctx.strokeStyle = color;
      ctx.lineWidth = 2 * devicePixelRatio;
      ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + h); ctx.stroke();
      var width = ctx.measureText(m.label).width, row = 0, pad = 4 * devicePixelRatio;
      // Right of the line, or left of it where the label would leave the plot.
      var tx = x + pad + width > u.bbox.left + u.bbox.width ? x - pad - width : x + pad;
      while (row < rows.length - 1 && rows[row] > tx) row++;
      rows[row] = tx + width + 3 * pad;
      ctx.fillStyle = color;
      ctx.fillText(m.label, tx, top + (4 + row * 14) * devicePixelRatio);
    });
    ctx.restore();
  }
  var charts = [];
  data.paths.forEach(function (p, i) {
    var el = document.getElementById('chart-' + i);
    var opts = {
      width: Math.max(el.clientWidth, 320), height: 110, tzDate: utc,
      legend: { show: false }, cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true, range: [t0, t1] }, y: { range: [-0.15, 1.6] } },
      axes: [
        { stroke: '#374151', grid: { stroke: '#e5e7eb' }, size: 30, values: clock },
        { stroke: '#374151', grid: { stroke: '#e5e7eb' }, size: 52, splits: function () { return [0, 1]; },
          values: function (u, vals) { return vals.map(function (v) { return v === 1 ? 'up' : 'down'; }); } }
      ],
      series: [{}, { label: p.path, stroke: '#15803d', width: 2, fill: 'rgba(21, 128, 61, 0.10)',
        paths: uPlot.paths.stepped({ align: 1 }), points: { show: false } }],
      hooks: {
        drawClear: [function (u) { drawBands(u, p.bands); }],
        draw: [function (u) { drawMarkers(u, p.markers); }]
      }
    };
    charts.push({ el: el, plot: new uPlot(opts, stateSeries(p.bands), el) });
  });
  window.addEventListener('resize', function () {
    charts.forEach(function (c) { c.plot.setSize({ width: Math.max(c.el.clientWidth, 320), height: 110 }); });
  });
  document.body.setAttribute('data-charts', String(charts.length));
})();
`;

/*
 * feedrank console: training curves drawn with uPlot (from its webjar), the live state of a running run polled from
 * /ui/runs/{id}/live, and overlaid curves on the compare page. Every chart is registered in window.feedrankCharts
 * (name -> { plot, data, series, bestEpoch }) so a test or a person can read the plotted data.
 */
(function () {
  'use strict';
  window.feedrankCharts = {};
  var COLORS = ['#1f5fbf', '#c62828', '#1a7f37', '#8a6d00', '#6a1b9a', '#00838f', '#ef6c00', '#37474f'];

  function $(id) { return document.getElementById(id); }

  function readJson(id) {
    var el = $(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  /** A dashed vertical line with a label at the best epoch. */
  function bestMarker(best) {
    return { hooks: { draw: [function (u) {
      if (best === null || best === undefined) return;
      var x = u.valToPos(best, 'x', true);
      if (!isFinite(x)) return;
      var r = window.devicePixelRatio || 1, ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = '#f0a500';
      ctx.lineWidth = 2 * r;
      ctx.setLineDash([6 * r, 4 * r]);
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = '#7a4f00';
      ctx.font = (11 * r) + 'px sans-serif';
      var label = 'best epoch ' + best, w = ctx.measureText(label).width;
      var tx = x > u.bbox.left + u.bbox.width / 2 ? x - 4 * r - w : x + 4 * r; // away from the nearer edge
      ctx.fillText(label, tx, u.bbox.top + u.bbox.height - 6 * r);
      ctx.restore();
    }] } };
  }

  function widthOf(el) {
    var w = el.clientWidth || (el.parentNode && el.parentNode.clientWidth) || 400;
    return Math.max(240, w - 4);
  }

  /** Axis labels of small values (learning rates): 1.0e-3, 5.0e-4, … instead of 0.001, 0.001, 0. */
  function exponential(u, splits) {
    return splits.map(function (v) { return v == null ? '' : v === 0 ? '0' : v.toExponential(1); });
  }

  function chart(name, el, labels, data, best, yValues) {
    if (!el || !window.uPlot) return null;
    var old = window.feedrankCharts[name];
    if (old) old.plot.destroy();
    var opts = {
      width: widthOf(el), height: 220,
      scales: { x: { time: false } },
      series: [{ label: 'epoch' }].concat(labels.map(function (label, i) {
        return { label: label, stroke: COLORS[i % COLORS.length], width: 2, points: { show: true, size: 6 }, spanGaps: true };
      })),
      axes: [{ label: 'epoch', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] },
        yValues ? { size: 60, values: yValues } : { size: 60 }],
      legend: { live: false },
      plugins: [bestMarker(best)]
    };
    var plot = new uPlot(opts, data, el);
    window.feedrankCharts[name] = { plot: plot, data: data, series: labels, bestEpoch: best };
    return plot;
  }

  function column(c, name) {
    var s = (c.series || {})[name];
    return s ? s : (c.epochs || []).map(function () { return null; });
  }

  function drawRun(c) {
    if (!c || !c.epochs || c.epochs.length === 0) return;
    var x = c.epochs, sel = c.selection || 'val_auc';
    chart('loss', $('chart-loss'), ['train loss'], [x, column(c, 'train_loss')], c.bestEpoch);
    var labels = [sel], data = [x, column(c, sel)];
    if (sel !== 'val_auc' && c.series && c.series.val_auc) { labels.push('val_auc'); data.push(column(c, 'val_auc')); }
    chart('validation', $('chart-validation'), labels, data, c.bestEpoch);
    chart('lr', $('chart-lr'), ['learning rate'], [x, column(c, 'learning_rate')], c.bestEpoch, exponential);
    var none = $('no-curves');
    if (none) none.hidden = true;
  }

  /** Overlays one series of several runs on the union of their epochs. */
  function overlay(name, el, runs, seriesOf) {
    var epochs = [];
    runs.forEach(function (r) { (r.epochs || []).forEach(function (e) { if (epochs.indexOf(e) < 0) epochs.push(e); }); });
    epochs.sort(function (a, b) { return a - b; });
    if (epochs.length === 0) return;
    var data = [epochs], labels = [];
    runs.forEach(function (r) {
      var name2 = seriesOf(r), values = (r.series || {})[name2] || [];
      labels.push('#' + r.runId + ' ' + name2);
      data.push(epochs.map(function (e) { var i = (r.epochs || []).indexOf(e); return i < 0 ? null : values[i]; }));
    });
    chart(name, el, labels, data, null);
  }

  // ------------------------------------------------------------ run page
  var curves = readJson('curves-data');
  if (curves) drawRun(curves);

  function stageRow(s) {
    var tr = document.createElement('tr');
    tr.setAttribute('data-stage', s.name);
    tr.setAttribute('data-attempt', String(s.attempt));
    var th = document.createElement('th');
    th.scope = 'row';
    th.textContent = s.name;
    tr.appendChild(th);
    ['attempt', 'status', 'bar', 'duration', 'cpu', 'rss', 'heap', 'sps'].forEach(function (k) {
      var td = document.createElement('td');
      td.className = 'c-' + k + (k === 'bar' ? ' barcol' : '');
      if (k === 'attempt') td.textContent = String(s.attempt) + (s.attempt > 1 ? ' (retry)' : '');
      if (k === 'bar') td.innerHTML = '<div class="track"><div class="bar"></div></div>';
      if (k === 'cpu' || k === 'rss' || k === 'heap' || k === 'sps') td.textContent = '—';
      tr.appendChild(td);
    });
    return tr;
  }

  function updateStages(stages) {
    var body = document.querySelector('#timeline tbody');
    if (!body) return;
    stages.forEach(function (s) {
      var tr = body.querySelector('tr[data-stage="' + s.name + '"][data-attempt="' + s.attempt + '"]');
      if (!tr) {
        var placeholder = body.querySelector('tr:not([data-stage])');
        if (placeholder) placeholder.remove();
        tr = stageRow(s);
        body.appendChild(tr);
      }
      var cls = 'st-' + String(s.status).toLowerCase();
      var status = tr.children[2];
      status.innerHTML = '';
      var span = document.createElement('span');
      span.className = 'status ' + cls;
      span.textContent = s.status;
      status.appendChild(span);
      var bar = tr.querySelector('.bar');
      if (bar) {
        bar.className = 'bar ' + cls;
        bar.style.marginLeft = s.left + '%';
        bar.style.width = s.width + '%';
        bar.title = s.name + ' attempt ' + s.attempt + ': ' + s.status + ', ' + s.duration;
      }
      tr.children[4].textContent = s.duration;
      if (s.cpu !== undefined) {
        tr.children[5].textContent = s.cpu;
        tr.children[6].textContent = s.peakRss;
        tr.children[7].textContent = s.peakHeap;
        tr.children[8].textContent = s.samplesPerSecond;
      }
    });
  }

  var panel = $('live-panel');
  if (panel && panel.getAttribute('data-live') === 'true') {
    var id = panel.getAttribute('data-run-id');
    var timer = setInterval(function () {
      fetch('/ui/runs/' + id + '/live', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) {
          if (!r.ok || (r.headers.get('content-type') || '').indexOf('json') < 0) throw new Error('not signed in');
          return r.json();
        })
        .then(function (d) {
          $('live-progress').textContent = d.progress || '—';
          $('live-eta').textContent = d.eta || '—';
          $('live-duration').textContent = d.duration;
          var st = $('run-status');
          st.className = 'status big st-' + String(d.status).toLowerCase();
          st.querySelector('.text').textContent = d.status;
          updateStages(d.stages || []);
          drawRun(JSON.parse(d.curves));
          if (!d.live) {
            clearInterval(timer);
            location.reload(); // the finished run: metrics, gate, artifacts
          }
        })
        .catch(function () {
          clearInterval(timer);
          var hint = $('live-hint');
          if (hint) hint.textContent = '(live refresh stopped: reload the page, or sign in again)';
        });
    }, 2000);
  }

  // ------------------------------------------------------------ runs table: refresh while a run is live
  var runs = $('runs');
  if (runs && runs.getAttribute('data-live') === 'true') {
    setInterval(function () {
      var form = $('compare-form');
      var busy = form && (form.contains(document.activeElement) && document.activeElement !== document.body
        || form.querySelector('input[type=checkbox]:checked'));
      if (!busy) location.reload();
    }, 10000);
  }

  // ------------------------------------------------------------ compare page
  var compared = readJson('compare-data');
  if (compared && compared.length) {
    overlay('compare-validation', $('chart-cmp-validation'), compared, function (r) { return r.selection || 'val_auc'; });
    overlay('compare-loss', $('chart-cmp-loss'), compared, function () { return 'train_loss'; });
  }

  window.addEventListener('resize', function () {
    Object.keys(window.feedrankCharts).forEach(function (k) {
      var c = window.feedrankCharts[k], el = c.plot.root.parentNode;
      c.plot.setSize({ width: widthOf(el), height: 220 });
    });
  });
}());

(function () {
  'use strict';
  var root = document.documentElement;
  var errors = [];
  function record(message) {
    errors.push(String(message));
    root.setAttribute('data-errors', errors.join(' | '));
  }
  // the browser test reads these attributes from the DOM: an error anywhere on the page is recorded here
  window.addEventListener('error', function (e) { record(e.message || 'error'); });
  var consoleError = console.error;
  console.error = function () {
    record(Array.prototype.join.call(arguments, ' '));
    return consoleError.apply(console, arguments);
  };
  try {
    var events = JSON.parse(document.getElementById('events').textContent);
    var svg = document.getElementById('timeline');
    var tip = document.getElementById('tip');
    var pinned = document.getElementById('pinned');
    var width = svg.getAttribute('width');
    var selected = null;
    var describe = function (ids) {
      return ids.split(' ').map(function (id) {
        var ev = events[id];
        if (!ev) { return ''; }
        return (ev.node ? '[' + ev.node + '] ' : '') + ev.text + '\n    ' + JSON.stringify(ev.e);
      }).join('\n');
    };
    var target = function (node) {
      while (node && node !== svg) {
        if (node.getAttribute && node.getAttribute('data-ev')) { return node; }
        node = node.parentNode;
      }
      return null;
    };
    var showTip = function (text, e) {
      tip.textContent = text;
      tip.hidden = false;
      var x = e.clientX + 14;
      var y = e.clientY + 14;
      if (x + tip.offsetWidth > window.innerWidth - 8) { x = Math.max(4, e.clientX - tip.offsetWidth - 14); }
      if (y + tip.offsetHeight > window.innerHeight - 8) { y = Math.max(4, e.clientY - tip.offsetHeight - 14); }
      tip.style.left = x + 'px';
      tip.style.top = y + 'px';
    };
    var select = function (el, text) {
      if (selected) { selected.classList.remove('sel'); }
      selected = el;
      if (!el) { pinned.textContent = ''; return; }
      el.classList.add('sel');
      pinned.textContent = text;
    };
    svg.addEventListener('mousemove', function (e) {
      var el = target(e.target);
      if (!el) { tip.hidden = true; return; }
      showTip(describe(el.getAttribute('data-ev')), e);
    });
    svg.addEventListener('mouseleave', function () { tip.hidden = true; });
    svg.addEventListener('click', function (e) {
      var el = target(e.target);
      if (!el) {
        // a node's summary strip leads to that node's blocks of the processes not drawn here
        var n = e.target;
        while (n && n !== svg && !(n.classList && n.classList.contains('summary-lane'))) { n = n.parentNode; }
        var blocks = n && n !== svg ? document.getElementById('more-' + (n.getAttribute('data-node') || 'all')) : null;
        if (blocks) {
          blocks.scrollIntoView();
          var first = blocks.querySelector('details');
          if (first) { first.open = true; }
        }
      }
      select(el, el ? describe(el.getAttribute('data-ev')) : '');
    });
    // a block's lanes from its data: [title, node, x from, x to, calls [x0, x1, x blocked, failed, tip],
    // marks [type, x, tip]], 12 px a lane, on the main picture's x axis
    var NS = 'http://www.w3.org/2000/svg';
    var el = function (parent, name, attrs) {
      var e = document.createElementNS(NS, name);
      Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
      parent.appendChild(e);
      return e;
    };
    var drawBlock = function (lanes) {
      var h = 12 * lanes.length + 2;
      var s = document.createElementNS(NS, 'svg');
      [['class', 'block-lanes'], ['width', width], ['height', h], ['viewBox', '0 0 ' + width + ' ' + h],
        ['font-family', 'DejaVu Sans, Verdana, sans-serif'], ['font-size', '9']].forEach(function (a) {
        s.setAttribute(a[0], a[1]);
      });
      lanes.forEach(function (l, i) {
        var mid = 7 + 12 * i;
        var g = el(s, 'g', {'class': 'lane proc-lane mini', 'data-lane': l[0], 'data-node': l[1]});
        el(g, 'text', {x: 8, y: mid + 3, fill: '#333333'}).textContent = l[0];
        el(g, 'line', {x1: l[2], y1: mid, x2: l[3], y2: mid, stroke: '#c0c0c0', 'stroke-width': 1});
        l[4].forEach(function (c) {
          el(g, 'rect', {'class': 'call' + (c[3] ? ' failed' : ''), 'data-tip': c[4], x: c[0], y: mid - 3,
            width: c[1] - c[0], height: 6, fill: c[3] ? '#e57373' : '#9db4d3'});
          if (c[2] >= 0) {
            el(g, 'rect', {'class': 'blocked', 'data-tip': c[4], x: c[2], y: mid - 4, width: Math.max(2, c[1] - c[2]),
              height: 8, fill: '#e8a33d'});
          }
        });
        l[5].forEach(function (k) {
          var x = k[1];
          var a = {'class': 'mark mark-' + k[0], 'data-tip': k[2]};
          if (k[0] === 'restart') {
            el(g, 'circle', Object.assign(a, {cx: x, cy: mid, r: 3, fill: '#2e7d32'}));
          } else if (k[0] === 'exit') {
            el(g, 'rect', Object.assign(a, {x: x - 2.5, y: mid - 2.5, width: 5, height: 5, fill: '#222222'}));
          } else if (k[0] === 'killed' || k[0] === 'kill') {
            el(g, 'path', Object.assign(a, {d: 'M' + (x - 3) + ' ' + (mid - 3) + 'l6 6m0 -6l-6 6', stroke: '#c62828',
              'stroke-width': 1.8}));
          } else if (k[0] === 'signal') {
            el(g, 'path', Object.assign(a, {d: 'M' + (x - 3) + ' ' + (mid - 6) + 'h6l-3 5z', fill: '#7b3fa0'}));
          } else {
            el(g, 'circle', Object.assign(a, {cx: x, cy: mid + 3, r: 1.5, fill: '#9e9e9e'}));
          }
        });
      });
      return s;
    };
    // the processes not drawn above, in blocks that draw their lanes when opened
    var more = document.getElementById('more');
    if (more) {
      more.addEventListener('toggle', function (e) {
        var d = e.target;
        if (d.open && !d.getAttribute('data-drawn')) {
          d.appendChild(drawBlock(JSON.parse(d.querySelector('script.lanes').textContent)));
          d.setAttribute('data-drawn', 'true');
        }
      }, true);
      more.addEventListener('mousemove', function (e) {
        var text = e.target.getAttribute && e.target.getAttribute('data-tip');
        if (!text) { tip.hidden = true; return; }
        showTip(text, e);
      });
      more.addEventListener('mouseleave', function () { tip.hidden = true; });
      more.addEventListener('click', function (e) {
        var text = e.target.getAttribute && e.target.getAttribute('data-tip');
        if (text) { select(e.target, text); }
      });
    }
    Array.prototype.forEach.call(document.querySelectorAll('button[data-zoom]'), function (b) {
      b.addEventListener('click', function () {
        var z = Number(b.getAttribute('data-zoom'));
        svg.setAttribute('width', String(Number(width) * z));
        svg.removeAttribute('height');
      });
    });
    var missing = 0;
    Array.prototype.forEach.call(svg.querySelectorAll('[data-ev]'), function (el) {
      el.getAttribute('data-ev').split(' ').forEach(function (id) { if (!events[id]) { missing++; } });
    });
    if (missing > 0) { record(missing + ' drawn elements refer to events not in the page'); }
    root.setAttribute('data-lanes', String(svg.querySelectorAll('.lane').length));
    root.setAttribute('data-ready', 'true');
    // how long the page took to open (ms since navigation began), for the 10k-process check
    root.setAttribute('data-script-ms', String(Math.round(performance.now())));
    window.addEventListener('load', function () {
      root.setAttribute('data-load-ms', String(Math.round(performance.now())));
      // two animation frames later the first frame with the picture has been painted
      window.requestAnimationFrame(function () {
        window.requestAnimationFrame(function () {
          root.setAttribute('data-painted-ms', String(Math.round(performance.now())));
        });
      });
    });
  } catch (e) {
    record(e && e.stack ? e.stack : e);
  }
})();

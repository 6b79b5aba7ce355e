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
    svg.addEventListener('mousemove', function (e) {
      var el = target(e.target);
      if (!el) { tip.hidden = true; return; }
      tip.textContent = describe(el.getAttribute('data-ev'));
      tip.hidden = false;
      var x = e.clientX + 14;
      var y = e.clientY + 14;
      if (x + tip.offsetWidth > window.innerWidth - 8) { x = Math.max(4, e.clientX - tip.offsetWidth - 14); }
      if (y + tip.offsetHeight > window.innerHeight - 8) { y = Math.max(4, e.clientY - tip.offsetHeight - 14); }
      tip.style.left = x + 'px';
      tip.style.top = y + 'px';
    });
    svg.addEventListener('mouseleave', function () { tip.hidden = true; });
    svg.addEventListener('click', function (e) {
      var el = target(e.target);
      if (selected) { selected.classList.remove('sel'); }
      selected = el;
      if (!el) { pinned.textContent = ''; return; }
      el.classList.add('sel');
      pinned.textContent = describe(el.getAttribute('data-ev'));
    });
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

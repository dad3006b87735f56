import { SORTABLE_TABLES } from './tableSort.js';

/**
 * Both pages' only script, inlined and allowed by its sha256 in the CSP. Plain ES2017 (any browser
 * of the last years, no framework). Every page: a select[data-switch] shows one of the variants
 * of its group, and a table[data-sortable] sorts by a clicked heading (tableSort.ts). A page with
 * inline JSON (classification): it builds the gallery and the disagreement examples with
 * createElement/textContent only — never innerHTML — so a hostile label stays text. Without
 * JavaScript the charts and tables still show; only these need it.
 */
export const CLIENT_SCRIPT =
  SORTABLE_TABLES +
  String.raw`(function () {
  'use strict';
  // Variants (heatmap orders, a confusion matrix or example set per prompt file) are all in the
  // page; a select shows the one of its group whose data-variant it names.
  document.querySelectorAll('select[data-switch]').forEach(function (select) {
    var group = select.getAttribute('data-switch');
    function show() {
      document.querySelectorAll('[data-group="' + group + '"]').forEach(function (variant) {
        variant.hidden = variant.getAttribute('data-variant') !== select.value;
      });
    }
    select.addEventListener('change', show);
    show();
  });

  var source = document.getElementById('report-data');
  if (!source) return;
  var data = JSON.parse(source.textContent);
  var byId = new Map();
  data.items.forEach(function (it) { byId.set(it.id, it); });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  // Long ids (IDX records, deep paths) keep their distinctive end; the full id is the tooltip.
  function shortId(id) { return id.length > 28 ? '\u2026' + id.slice(-27) : id; }
  function pct(p) { return p < 0.001 ? '<0.1%' : (p * 100).toFixed(1) + '%'; }
  function className(i) { return i >= 0 && i < data.classes.length ? data.classes[i] : '?'; }
  function correct(it, s) { var top = it.preds[s] && it.preds[s][0]; return !!top && top[0] === it.label; }
  function disagree(it) {
    for (var s = 1; s < data.sets.length; s++) if (correct(it, s) !== correct(it, 0)) return true;
    return false;
  }

  function thumb(it, cls) {
    if (typeof it.thumb === 'string' && it.thumb.indexOf('data:image/') === 0) {
      var img = el('img', cls);
      img.decoding = 'async';
      img.width = 80;
      img.height = 80;
      img.src = it.thumb;
      img.alt = it.id;
      return img;
    }
    return el('div', cls + ' nothumb', 'no image');
  }

  function bars(it, s) {
    var list = el('ol', 'bars');
    var found = false;
    (it.preds[s] || []).forEach(function (bar, rank) {
      var isTrue = bar[0] === it.label;
      found = found || isTrue;
      var li = el('li', isTrue ? 'true' : rank === 0 ? 'top' : '');
      li.appendChild(el('span', 'name', className(bar[0])));
      var track = el('span', 'track');
      var fill = el('i');
      fill.style.width = (bar[1] * 100).toFixed(1) + '%';
      track.appendChild(fill);
      li.appendChild(track);
      li.appendChild(el('span', 'p', pct(bar[1])));
      list.appendChild(li);
    });
    if (!found) list.appendChild(el('li', 'missing', 'true class ' + className(it.label) + ' is not in the top ' + (it.preds[s] || []).length));
    return list;
  }

  function card(it, s) {
    var ok = correct(it, s);
    var c = el('article', 'card ' + (ok ? 'right' : 'wrong'));
    c.appendChild(thumb(it, 'thumb'));
    var body = el('div', 'body');
    var id = body.appendChild(el('div', 'id', shortId(it.id)));
    id.title = it.id;
    var truth = body.appendChild(el('div', 'truth'));
    truth.appendChild(document.createTextNode('true class: '));
    truth.appendChild(el('b', null, className(it.label)));
    truth.appendChild(el('span', 'verdict', ok ? '\u2713 correct' : '\u2717 misclassified'));
    body.appendChild(bars(it, s));
    c.appendChild(body);
    return c;
  }

  var grid = document.getElementById('gallery-grid');
  var setSel = document.getElementById('gallery-set');
  var classSel = document.getElementById('gallery-class');
  var showSel = document.getElementById('gallery-show');
  var count = document.getElementById('gallery-count');

  function fill(select, names) {
    names.forEach(function (name, i) {
      var o = el('option', null, name);
      o.value = String(i);
      select.appendChild(o);
    });
  }

  // The first cards are drawn at once; the rest after the page has loaded, in slices, so a large
  // gallery never delays the first paint. A newer render (a filter changed) abandons an older one.
  var generation = 0;
  var FIRST = 24;
  var SLICE = 40;
  function appendCards(items, s, token) {
    var next = 0;
    function slice(n) {
      if (token !== generation) return;
      var frag = document.createDocumentFragment();
      for (var end = Math.min(items.length, next + n); next < end; next++) frag.appendChild(card(items[next], s));
      grid.appendChild(frag);
      if (next < items.length) whenLoaded(function () { setTimeout(function () { slice(SLICE); }, 0); });
    }
    slice(FIRST);
  }
  function whenLoaded(fn) {
    if (document.readyState === 'complete') fn();
    else window.addEventListener('load', fn);
  }

  function render() {
    var s = Number(setSel.value);
    var cls = classSel.value;
    var show = showSel.value;
    var shown = data.items.filter(function (it) {
      if (cls !== '' && it.label !== Number(cls)) return false;
      if (show === 'wrong' && correct(it, s)) return false;
      if (show === 'disagree' && !disagree(it)) return false;
      return true;
    });
    shown = shown.filter(function (it) { return !correct(it, s); }).concat(shown.filter(function (it) { return correct(it, s); }));
    grid.textContent = '';
    appendCards(shown, s, ++generation);
    count.textContent = shown.length + ' of ' + data.items.length + ' images shown' +
      (data.items.length < data.evaluated ? ' (the gallery keeps ' + data.items.length + ' of the ' + data.evaluated + ' evaluated images, those the prompt files get wrong first)' : '');
  }

  if (grid && setSel && classSel && showSel && count) {
    fill(setSel, data.sets);
    fill(classSel, data.classes);
    [setSel, classSel, showSel].forEach(function (select) { select.addEventListener('change', render); });
    render();
  }

  function example(id, pair) {
    var it = byId.get(id);
    var fig = el('figure', 'mini');
    if (!it) {
      fig.appendChild(el('figcaption', 'id', shortId(id))).title = id;
      return fig;
    }
    fig.appendChild(thumb(it, 'thumb small'));
    var cap = el('figcaption');
    var idLine = cap.appendChild(el('div', 'id', shortId(it.id)));
    idLine.title = it.id;
    cap.appendChild(el('div', 'truth', 'true: ' + className(it.label)));
    [pair.a, pair.b].forEach(function (s) {
      var top = it.preds[s] && it.preds[s][0];
      var line = el('div', correct(it, s) ? 'ok' : 'bad', (correct(it, s) ? '\u2713 ' : '\u2717 ') + data.sets[s] + ': ' + (top ? className(top[0]) : '?'));
      cap.appendChild(line);
    });
    fig.appendChild(cap);
    return fig;
  }

  document.querySelectorAll('[data-pair]').forEach(function (box) {
    var pair = data.pairs[Number(box.getAttribute('data-pair'))];
    if (!pair) return;
    var ids = box.getAttribute('data-side') === 'a' ? pair.aOnly : pair.bOnly;
    ids.forEach(function (id) { box.appendChild(example(id, pair)); });
  });
})();
`;

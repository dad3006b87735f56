/**
 * The client script's table sorter, a function of its own because the main one stops early on a
 * page without inline data. A table[data-sortable] sorts its body by a th[data-sort] column on a click (or Enter/Space on the
 * focused heading): "num" by each cell's data-value, highest first, cells without a value last;
 * "text" A to Z; a second click reverses. Without JavaScript the rows keep the order the page
 * wrote them in. Plain ES2017 like the rest; it only moves the rows, so no text is ever parsed as HTML.
 */
export const SORTABLE_TABLES = String.raw`(function () {
  'use strict';
  function sortKey(cell, numeric) {
    var raw = !cell ? '' : cell.hasAttribute('data-value') ? cell.getAttribute('data-value') : cell.textContent;
    if (!numeric) return raw.toLowerCase();
    return raw === '' ? NaN : Number(raw);
  }
  function compareKeys(a, b, sign) {
    if (typeof a !== 'number') return sign * a.localeCompare(b);
    if (isNaN(a) || isNaN(b)) return isNaN(a) ? (isNaN(b) ? 0 : 1) : -1;
    return sign * (a - b);
  }
  document.querySelectorAll('table[data-sortable]').forEach(function (table) {
    var body = table.tBodies[0];
    var heads = table.querySelectorAll('th[data-sort]');
    if (!body) return;
    heads.forEach(function (th) {
      var numeric = th.getAttribute('data-sort') === 'num';
      function sort() {
        var now = th.getAttribute('aria-sort');
        var next = now === 'ascending' ? 'descending' : now === 'descending' ? 'ascending' : numeric ? 'descending' : 'ascending';
        heads.forEach(function (other) { other.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', next);
        var sign = next === 'ascending' ? 1 : -1;
        var rows = Array.prototype.map.call(body.rows, function (row, i) {
          return { row: row, i: i, key: sortKey(row.cells[th.cellIndex], numeric) };
        });
        rows.sort(function (x, y) { return compareKeys(x.key, y.key, sign) || x.i - y.i; });
        rows.forEach(function (r) { body.appendChild(r.row); });
      }
      th.tabIndex = 0;
      th.classList.add('sortable');
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) {
        if (e.key !== 'Enter' && e.key !== ' ') return;
        e.preventDefault();
        sort();
      });
    });
  });
})();
`;

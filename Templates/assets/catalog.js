/* botcatalog: filter and sort the bot table on index.html and the group pages.
 *
 * Hand-written, no dependencies, no network, ES2017. The page works without it:
 * every row is visible and the filter controls stay hidden. With it:
 *  - a text box filters rows by name, summary, source, organization, model and tags
 *    (case-insensitive; every word typed must match),
 *  - select boxes filter by source, organization, model and tag,
 *  - clicking a column header sorts by it (again to reverse), with aria-sort kept up to date,
 *  - the filter and sort state lives in the URL hash (#q=foo&tag=faq) so a view can be
 *    shared and survives a reload.
 * Each row's data is read once from its cells, found by their column's header (data-sort, or
 * data-column for tags): a large catalog lists every row on several pages, so nothing a cell
 * shows is repeated in an attribute. Filtering only toggles row.hidden, sorting re-appends the
 * rows through a DocumentFragment. */
(function () {
  'use strict';

  const table = document.getElementById('bot-table');
  if (!table || !table.tBodies.length) return;

  const tbody = table.tBodies[0];
  const panel = document.getElementById('bot-filters');
  const countEl = document.getElementById('bot-count');
  const emptyEl = document.getElementById('bot-empty');
  const resetButton = document.getElementById('filter-reset');
  const textInput = panel ? panel.querySelector('[data-filter="q"]') : null;
  const selects = panel ? Array.from(panel.querySelectorAll('select[data-filter]')) : [];

  const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
  const DEBOUNCE_MS = 100;
  const FILTER_KEYS = ['q'].concat(selects.map((s) => s.dataset.filter));
  // Sort keys that start newest/largest first on the first click.
  const DESCENDING_FIRST = { changed: true };

  // ---- Read every row once ----------------------------------------------------

  // Which column holds what, from the header row.
  const column = {};
  if (table.tHead && table.tHead.rows.length) {
    Array.from(table.tHead.rows[0].cells).forEach((th, i) => {
      const key = th.dataset.sort || th.dataset.column;
      if (key) column[key] = i;
    });
  }

  // Whitespace as an <option> without a value attribute folds it, so the index's options and
  // the rows' values compare equal.
  function fold(text) { return text.replace(/[\t\n\f\r ]+/g, ' ').replace(/^ | $/g, ''); }

  const records = Array.from(tbody.rows, (row, index) => {
    const cells = row.cells;
    function cell(key) { return column[key] !== undefined ? cells[column[key]] : null; }
    function text(key) { const c = cell(key); return c ? fold(c.textContent) : ''; }
    const nameCell = cell('name');
    const link = nameCell ? nameCell.querySelector(':scope > a') : null;
    const summaryEl = nameCell ? nameCell.querySelector(':scope > span:not(.pill)') : null;
    const tagCell = cell('tags');
    const tags = tagCell ? Array.from(tagCell.querySelectorAll('li'), (li) => fold(li.textContent)).filter(Boolean) : [];
    const changedCell = cell('changed');
    const time = changedCell ? changedCell.querySelector('time') : null;
    const rec = {
      row: row,
      index: index,
      name: link ? fold(link.textContent) : text('name'),
      summary: summaryEl ? summaryEl.textContent : '',
      source: text('source'),
      org: text('org'),
      model: text('model'),
      tags: tags,
      changed: time ? time.getAttribute('datetime') || '' : text('changed'),
      visible: !row.hidden,
    };
    rec.haystack = [rec.name, rec.summary, rec.source, rec.org, rec.model, tags.join(' ')]
      .join('\n')
      .toLowerCase();
    return rec;
  });
  const total = records.length;

  // ---- Filter controls ---------------------------------------------------------

  /** Fills a select that the page left empty (group pages) from the rows' values. */
  function populate(select) {
    const key = select.dataset.key;
    if (select.options.length > 1) return;
    const seen = new Set();
    for (const rec of records) {
      const value = rec[key];
      if (Array.isArray(value)) value.forEach((v) => seen.add(v));
      else if (value) seen.add(value);
    }
    const fragment = document.createDocumentFragment();
    Array.from(seen).sort(collator.compare).forEach((value) => {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = value;
      fragment.appendChild(option);
    });
    select.appendChild(fragment);
  }

  selects.forEach((select) => {
    populate(select);
    // A choice between fewer than two values filters nothing: hide it.
    if (select.options.length < 3) {
      const wrapper = select.closest('.filter');
      if (wrapper) wrapper.hidden = true;
    }
  });

  function hasOption(select, value) {
    for (const option of select.options) {
      if (option.value === value) return true;
    }
    return false;
  }

  // ---- State <-> URL hash ------------------------------------------------------

  const state = { q: '', sort: 'name', dir: 'asc' };
  selects.forEach((s) => { state[s.dataset.filter] = ''; });
  let lastHash = null;

  /** The state in the hash, or null when the hash is not ours (e.g. #content). */
  function readHash() {
    const raw = location.hash.replace(/^#/, '');
    if (raw === '') return {};
    if (raw.indexOf('=') < 0) return null;
    const params = new URLSearchParams(raw);
    const result = {};
    FILTER_KEYS.concat(['sort', 'dir']).forEach((key) => {
      const value = params.get(key);
      if (value !== null) result[key] = value;
    });
    return result;
  }

  function writeHash() {
    const params = new URLSearchParams();
    FILTER_KEYS.forEach((key) => {
      if (state[key]) params.set(key, state[key]);
    });
    if (state.sort !== 'name' || state.dir !== 'asc') {
      params.set('sort', state.sort);
      params.set('dir', state.dir);
    }
    const hash = params.toString();
    if (hash === lastHash) return;
    if (hash === '' && location.hash === '') { lastHash = hash; return; }
    lastHash = hash;
    const url = location.pathname + location.search + (hash ? '#' + hash : '');
    try {
      history.replaceState(history.state, '', url);
    } catch (error) {
      // Some browsers refuse replaceState for file: pages; a hash-only replace is safe.
      if (hash) location.replace('#' + hash);
    }
  }

  /** Puts a state read from the hash into the controls. */
  function applyState(next) {
    state.q = next.q || '';
    if (textInput) textInput.value = state.q;
    selects.forEach((select) => {
      const key = select.dataset.filter;
      const value = next[key] || '';
      select.value = value && hasOption(select, value) ? value : '';
      state[key] = select.value;
    });
    const sortable = headers.some((th) => th.dataset.sort === next.sort);
    state.sort = sortable ? next.sort : 'name';
    state.dir = next.dir === 'desc' ? 'desc' : 'asc';
  }

  // ---- Filtering ---------------------------------------------------------------

  function plural(n) {
    return n === 1 ? 'bot' : 'bots';
  }

  function filter() {
    const terms = state.q.toLowerCase().split(/\s+/).filter(Boolean);
    const source = state.source || '';
    const org = state.org || '';
    const model = state.model || '';
    const tag = state.tag || '';
    let shown = 0;

    for (let i = 0; i < total; i++) {
      const rec = records[i];
      let ok = (!source || rec.source === source) &&
        (!org || rec.org === org) &&
        (!model || rec.model === model) &&
        (!tag || rec.tags.indexOf(tag) >= 0);
      for (let t = 0; ok && t < terms.length; t++) {
        if (rec.haystack.indexOf(terms[t]) < 0) ok = false;
      }
      if (ok !== rec.visible) {
        rec.visible = ok;
        rec.row.hidden = !ok;
      }
      if (ok) shown++;
    }

    if (countEl) {
      countEl.textContent = shown === total
        ? 'All ' + total + ' ' + plural(total)
        : shown + ' of ' + total + ' ' + plural(total);
    }
    if (emptyEl) emptyEl.hidden = shown !== 0;
    if (resetButton) resetButton.disabled = !FILTER_KEYS.some((key) => state[key]);
  }

  // ---- Sorting -----------------------------------------------------------------

  const headers = Array.from(table.tHead ? table.tHead.querySelectorAll('th[data-sort]') : []);

  headers.forEach((th) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'sort-button';
    while (th.firstChild) button.appendChild(th.firstChild);
    th.appendChild(button);
    button.addEventListener('click', () => {
      const key = th.dataset.sort;
      if (state.sort === key) {
        state.dir = state.dir === 'asc' ? 'desc' : 'asc';
      } else {
        state.sort = key;
        state.dir = DESCENDING_FIRST[key] ? 'desc' : 'asc';
      }
      sort();
      writeHash();
    });
  });

  function updateHeaders() {
    headers.forEach((th) => {
      if (th.dataset.sort === state.sort) {
        th.setAttribute('aria-sort', state.dir === 'asc' ? 'ascending' : 'descending');
      } else {
        th.removeAttribute('aria-sort');
      }
    });
  }

  let currentOrder = 'name:asc';

  function sort() {
    updateHeaders();
    const order = state.sort + ':' + state.dir;
    if (order === currentOrder) return;
    currentOrder = order;

    const key = state.sort;
    const sign = state.dir === 'asc' ? 1 : -1;
    const sorted = records.slice();
    if (key === 'name' && state.dir === 'asc') {
      // The page's own order is by name.
      sorted.sort((a, b) => a.index - b.index);
    } else {
      sorted.sort((a, b) => {
        const x = a[key];
        const y = b[key];
        // Empty values go last whatever the direction.
        if (!x !== !y) return x ? -1 : 1;
        const c = key === 'changed'
          ? (x < y ? -1 : x > y ? 1 : 0)
          : collator.compare(x, y);
        if (c !== 0) return c * sign;
        return (a.index - b.index) * (key === 'name' ? sign : 1);
      });
    }
    // Empty the body in one go first: moving rows out of a live table one by one
    // is far slower (each removal invalidates the table) than re-adding them all.
    const fragment = document.createDocumentFragment();
    tbody.textContent = '';
    for (let i = 0; i < sorted.length; i++) fragment.appendChild(sorted[i].row);
    tbody.appendChild(fragment);
  }

  // ---- Wiring ------------------------------------------------------------------

  let timer = 0;

  if (textInput) {
    textInput.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        state.q = textInput.value;
        filter();
        writeHash();
      }, DEBOUNCE_MS);
    });
    textInput.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && textInput.value) {
        textInput.value = '';
        state.q = '';
        filter();
        writeHash();
      }
    });
  }

  selects.forEach((select) => {
    select.addEventListener('change', () => {
      state[select.dataset.filter] = select.value;
      filter();
      writeHash();
    });
  });

  if (resetButton) {
    resetButton.addEventListener('click', () => {
      clearTimeout(timer);
      applyState({ sort: state.sort, dir: state.dir });
      filter();
      writeHash();
      if (textInput) textInput.focus();
    });
  }

  window.addEventListener('hashchange', () => {
    const raw = location.hash.replace(/^#/, '');
    if (raw === lastHash) return;
    const next = readHash();
    if (next === null) return;
    lastHash = raw;
    applyState(next);
    filter();
    sort();
  });

  // ---- Start -------------------------------------------------------------------

  const initial = readHash();
  if (initial !== null) {
    applyState(initial);
    lastHash = location.hash.replace(/^#/, '');
  }
  sort();
  filter();
  if (panel) panel.hidden = false;
  if (countEl) countEl.hidden = false;
}());

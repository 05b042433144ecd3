/** Tables from PageTable data; a sortable one sorts on a click on its header (numbers high first). */
import type { PageCell, PageTable } from '../page-types.ts';
import { el } from './dom.ts';

/** @param heading the section's heading: a table titled the same gets no caption of its own */
export function renderTable(t: PageTable, heading = ''): HTMLElement {
  const head = el('tr');
  const body = el('tbody');
  const rows = t.rows.map((cells) => el('tr', {}, ...cells.map((c, i) => cell('td', c, t.numeric[i] === true))));
  for (const r of rows) body.appendChild(r);
  let sortedBy = -1;
  let descending = false;
  t.columns.forEach((label, i) => {
    const numeric = t.numeric[i] === true;
    if (!t.sortable) {
      head.appendChild(el('th', { scope: 'col', class: numeric ? 'num' : '' }, label));
      return;
    }
    const button = el('button', { type: 'button', title: `sort by ${label}` }, label);
    const th = el('th', { scope: 'col', class: numeric ? 'num' : '', 'aria-sort': 'none' }, button);
    button.addEventListener('click', () => {
      descending = sortedBy === i ? !descending : numeric;
      sortedBy = i;
      const order = t.rows.map((_, k) => k).sort((a, b) => compare(t.rows[a]?.[i], t.rows[b]?.[i], descending) || a - b);
      for (const k of order) {
        const row = rows[k];
        if (row !== undefined) body.appendChild(row);
      }
      for (const other of Array.from(head.children)) other.setAttribute('aria-sort', 'none');
      th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
    });
    head.appendChild(th);
  });
  const table = el('table', { class: t.sortable ? 'sortable' : '' }, el('thead', {}, head), body);
  if (t.footer !== null) table.appendChild(el('tfoot', {}, el('tr', {}, ...t.footer.map((c, i) => cell('td', c, t.numeric[i] === true)))));
  return el('figure', { class: 'table' }, t.title === heading ? null : el('figcaption', {}, t.title), t.note === null ? null : el('p', { class: 'note' }, t.note), el('div', { class: 'scroll' }, table));
}

function cell(tag: 'td', c: PageCell, numeric: boolean): HTMLElement {
  const td = el(tag, { class: numeric ? 'num' : '' });
  if (c.bar !== undefined) {
    const bar = el('span', { class: 'bar', 'aria-hidden': 'true' });
    bar.style.width = `${Math.max(0, Math.min(1, c.bar)) * 100}%`;
    td.classList.add('has-bar');
    td.appendChild(bar);
    td.appendChild(el('span', { class: 'bar-text' }, c.text));
  } else td.textContent = c.text;
  return td;
}

/** Empty values (`null`) last in either direction. */
function compare(a: PageCell | undefined, b: PageCell | undefined, descending: boolean): number {
  const x = a?.sort ?? null;
  const y = b?.sort ?? null;
  if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
  const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'en', { numeric: true });
  return descending ? -order : order;
}

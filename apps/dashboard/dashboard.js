/* gridseal control center dashboard (docs/DASHBOARD.md): read-only.
 * The first paint from GET /api/fleet, then the server-sent events of
 * GET /events: "fleet", "sample", "gsevent", "counters". */
'use strict';

const MAX_POINTS = 300; /* per series */
const MAX_EVENTS = 500; /* rows kept in the event table */

/* The charts by DER name, for the page and its tests. */
window.gsCharts = {};
window.gsFleet = null;
const t0 = Date.now();

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function clock(ms) {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  return d.toISOString().substring(11, 19) + 'Z';
}

function num(v, digits) {
  return v === null || v === undefined ? '—' : Number(v).toFixed(digits);
}

function age(s) {
  if (s === null || s === undefined) return '—';
  if (s < 120) return s.toFixed(0) + ' s';
  if (s < 7200) return (s / 60).toFixed(1) + ' min';
  return (s / 3600).toFixed(1) + ' h';
}

function chartFor(name) {
  if (window.gsCharts[name] || typeof Chart === 'undefined') return window.gsCharts[name];
  const box = el('div', 'chart');
  box.appendChild(el('h3', null, name));
  const holder = el('div');
  const canvas = el('canvas');
  canvas.id = 'chart-' + name;
  holder.appendChild(canvas);
  box.appendChild(holder);
  document.getElementById('charts').appendChild(box);
  const c = new Chart(canvas.getContext('2d'), {
    type: 'line',
    data: {
      datasets: [
        { label: 'active power (W)', data: [], borderColor: '#1f6fd1', backgroundColor: '#1f6fd1',
          pointRadius: 0, borderWidth: 2 },
        { label: 'set-point (W)', data: [], borderColor: '#d1421f', backgroundColor: '#d1421f',
          pointRadius: 0, borderWidth: 2, stepped: true }
      ]
    },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false, parsing: false,
      scales: {
        x: { type: 'linear', title: { display: true, text: 's' } },
        y: { beginAtZero: true, title: { display: true, text: 'W' } }
      },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } }
    }
  });
  window.gsCharts[name] = c;
  return c;
}

function renderFleet(f) {
  window.gsFleet = f;
  document.getElementById('node').textContent = f.node;
  document.title = 'gridseal ' + f.node;
  const body = document.querySelector('#fleet tbody');
  body.textContent = '';
  for (const d of f.ders) {
    const tr = el('tr');
    tr.dataset.der = d.name;
    tr.appendChild(el('td', 'name', d.name));
    tr.appendChild(el('td', 'identity', d.identity));
    const st = el('td', 'state-cell');
    const span = el('span', 'state st-' + d.state, d.state);
    span.title = d.status + (d.why ? ' (' + d.why + ')' : '');
    st.appendChild(span);
    tr.appendChild(st);
    tr.appendChild(el('td', 'mode', d.mode || '—'));
    tr.appendChild(el('td', 'key-age num', age(d.key_age_s)));
    tr.appendChild(el('td', 'key-update', clock(d.last_key_update)));
    tr.appendChild(el('td', 'report', clock(d.last_report)));
    tr.appendChild(el('td', 'power num', num(d.power_w, 1)));
    tr.appendChild(el('td', 'setpoint num', num(d.setpoint_w, 0)));
    body.appendChild(tr);
    chartFor(d.name);
  }
  if (f.counters) renderCounters(f.counters);
}

function renderCounters(c) {
  for (const k of Object.keys(c)) {
    const v = document.getElementById('c-' + k);
    if (!v) continue;
    v.textContent = String(c[k]);
    v.parentElement.classList.toggle('bad', c[k] > 0);
  }
}

function addSample(s) {
  const c = chartFor(s.der);
  if (!c) return;
  const x = (s.t - t0) / 1000;
  const sets = c.data.datasets;
  sets[0].data.push({ x: x, y: s.power_w });
  sets[1].data.push({ x: x, y: s.setpoint_w });
  for (const ds of sets) {
    while (ds.data.length > MAX_POINTS) ds.data.shift();
  }
  c.update('none');
}

function details(r) {
  const parts = [];
  if (r.diag) parts.push('diag=' + r.diag);
  if (r.xpeer) parts.push('xpeer=' + r.xpeer);
  if (r.fields) {
    for (const k of Object.keys(r.fields)) parts.push(k + '=' + r.fields[k]);
  }
  if (r.cert && r.cert.subject) parts.push('cert=' + r.cert.subject);
  return parts.join(' ');
}

function matches(tr) {
  const q = document.getElementById('filter').value.trim().toLowerCase();
  const failOnly = document.getElementById('failures-only').checked;
  if (failOnly && !tr.classList.contains('failure')) return false;
  return q === '' || tr.dataset.text.indexOf(q) >= 0;
}

function applyFilter() {
  let shown = 0, all = 0;
  for (const tr of document.querySelectorAll('#events tbody tr')) {
    const ok = matches(tr);
    tr.hidden = !ok;
    all++;
    if (ok) shown++;
  }
  document.getElementById('shown').textContent = shown + ' of ' + all + ' shown';
}

function addEvent(r) {
  const tr = el('tr', r.severity <= 4 ? 'failure' : '');
  tr.dataset.event = r.event;
  tr.appendChild(el('td', 'time', r.time ? r.time.substring(11, 23) : ''));
  tr.appendChild(el('td', 'level', r.level));
  tr.appendChild(el('td', 'event', r.event));
  tr.appendChild(el('td', 'peer', r.peer || ''));
  tr.appendChild(el('td', 'assoc', r.assoc || ''));
  tr.appendChild(el('td', 'details', details(r)));
  tr.dataset.text = tr.textContent.toLowerCase();
  const body = document.querySelector('#events tbody');
  body.insertBefore(tr, body.firstChild);
  while (body.rows.length > MAX_EVENTS) body.deleteRow(body.rows.length - 1);
  tr.hidden = !matches(tr);
  applyFilterCount();
}

function applyFilterCount() {
  const rows = document.querySelectorAll('#events tbody tr');
  let shown = 0;
  for (const tr of rows) if (!tr.hidden) shown++;
  document.getElementById('shown').textContent = shown + ' of ' + rows.length + ' shown';
}

function parse(ev, fn) {
  let v;
  try {
    v = JSON.parse(ev.data);
  } catch (e) {
    return;
  }
  fn(v);
}

function connect() {
  const es = new EventSource('/events');
  const conn = document.getElementById('conn');
  es.onopen = () => { conn.textContent = 'live'; conn.className = 'conn-up'; };
  es.onerror = () => { conn.textContent = 'reconnecting'; conn.className = 'conn-down'; };
  es.addEventListener('fleet', (e) => parse(e, renderFleet));
  es.addEventListener('sample', (e) => parse(e, addSample));
  es.addEventListener('gsevent', (e) => parse(e, addEvent));
  es.addEventListener('counters', (e) => parse(e, renderCounters));
}

document.getElementById('filter').addEventListener('input', applyFilter);
document.getElementById('failures-only').addEventListener('change', applyFilter);
fetch('/api/fleet').then((r) => (r.ok ? r.json() : null)).then((f) => {
  if (f) renderFleet(f);
}).catch(() => {}).finally(connect);

// rotor dashboard: every figure comes from /v1 with the token taken from the URL fragment
// (#token=...) and kept in this tab's sessionStorage. Plain DOM, no framework; values are set
// with textContent only, so nothing the log holds is ever parsed as HTML.
'use strict';

const TOKEN_KEY = 'rotor-token';
const TAIL_KEPT = 200;
const ui = { token: null, accounts: [], status: null, lastSeq: 0, labels: new Map(), refreshing: null };

function $(id) { return document.getElementById(id); }

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v;
    else if (k === 'data') for (const [dk, dv] of Object.entries(v)) e.dataset[dk] = dv ?? '';
    else if (k === 'onclick') e.addEventListener('click', v);
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function takeToken() {
  const m = location.hash.match(/(?:^#|&)token=([^&]+)/);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    // The token leaves the address bar (and so the history) at once.
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function setConn(text, cls) { const c = $('conn'); c.textContent = text; c.className = 'conn ' + (cls || ''); }

function showLogin(why) {
  $('main').hidden = true;
  $('login').hidden = false;
  if (why) $('login-why').textContent = why;
  setConn('no token', 'down');
}

async function api(path, opts) {
  const o = opts || {};
  const res = await fetch(path, { ...o, headers: { ...(o.headers || {}), Authorization: 'Bearer ' + ui.token } });
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin('The server refused this token. Paste the current one.');
    throw new Error('unauthorized');
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error((body && body.message) || res.statusText);
  return body;
}

function fmtTime(t) { return t ? t.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : '-'; }

function fmtIn(t) {
  if (!t) return '';
  let s = Math.round((Date.parse(t) - Date.now()) / 1000);
  const past = s < 0; s = Math.abs(s);
  const parts = [[86400, 'd'], [3600, 'h'], [60, 'm'], [1, 's']].filter(([n]) => s >= n || n === 1)
    .slice(0, 2).map(([n, u]) => { const v = Math.floor(s / n); s -= v * n; return v + u; });
  return past ? parts.join(' ') + ' ago' : 'in ' + parts.join(' ');
}

function label(id) { return ui.labels.get(id) || (id ? id.slice(0, 8) : '-'); }

// Models shown as columns: every model an account has leased, is blocked on, or has quota for.
function models() {
  const set = new Set();
  for (const a of ui.accounts) for (const h of a.health) set.add(h.model);
  for (const a of ui.status.accounts) {
    for (const b of a.blocks) if (b.model) set.add(b.model);
    for (const q of a.quota) if (q.model) set.add(q.model);
  }
  return [...set].sort();
}

function blockCell(account, block) {
  const where = block.model || 'every model';
  const btn = el('button', {
    class: 'clear', type: 'button', title: 'clear this block',
    onclick: () => askClear(account, block.model, `Clear the ${block.reason} block of ${account.label} on ${where}?`),
  }, 'clear');
  return el('td', {},
    el('span', { class: 'block', data: { account: account.id, model: block.model || '', reason: block.reason } }, block.reason),
    block.until ? btn : null,
    el('span', { class: 'detail' }, block.until ? `until ${fmtTime(block.until)} (${fmtIn(block.until)})` : 'until it ends'),
    block.cause_seq ? el('span', { class: 'detail' }, `caused by event #${block.cause_seq}`) : null);
}

function renderMatrix() {
  const cols = models();
  const head = el('tr', {}, el('th', {}, 'account'), el('th', {}, 'whole account'), cols.map((m) => el('th', {}, m)));
  const rows = ui.status.accounts.map((a) => {
    const acct = ui.accounts.find((x) => x.id === a.id) || { health: [] };
    const wide = a.blocks.find((b) => !b.model);
    const cells = cols.map((m) => {
      const b = a.blocks.find((x) => x.model === m);
      if (b) return blockCell(a, b);
      const h = acct.health.find((x) => x.model === m);
      return el('td', { class: 'ok' }, h ? `ok · ${h.requests} leased` : '');
    });
    return el('tr', { data: { account: a.id } },
      el('th', {}, a.label, el('span', { class: 'detail' }, `${a.provider} · ${a.status}`)),
      wide ? blockCell(a, wide) : el('td', { class: 'ok' }, a.status === 'active' ? 'ok' : a.status),
      cells);
  });
  $('matrix').replaceChildren(el('thead', {}, head), el('tbody', {}, rows));
}

function renderAccounts() {
  const head = el('tr', {}, ['label', 'provider', 'status', 'tier', 'weight', 'credential', 'token expires', 'refresh', 'fingerprint']
    .map((h) => el('th', {}, h)));
  const rows = ui.accounts.map((a) => {
    const r = a.refresh;
    let refresh = r.in_flight ? el('span', { class: 'refreshing' }, 'refreshing') : 'idle';
    if (r.consecutive_failures > 0) {
      refresh = el('span', {}, `${r.consecutive_failures} failed`,
        el('span', { class: 'detail' }, `next ${fmtTime(r.next_attempt_at)}`),
        r.last_error ? el('span', { class: 'detail' }, r.last_error) : null);
    }
    return el('tr', {},
      el('td', {}, a.label), el('td', {}, a.provider),
      el('td', { class: 'status-' + a.status }, a.status),
      el('td', { class: 'num' }, a.priority), el('td', { class: 'num' }, a.weight),
      el('td', {}, a.credential),
      el('td', {}, a.expires_at ? `${fmtTime(a.expires_at)} (${fmtIn(a.expires_at)})` : '-'),
      el('td', {}, refresh), el('td', {}, a.fingerprint));
  });
  $('accounts').replaceChildren(el('thead', {}, head), el('tbody', {}, rows));
}

function renderQuota() {
  const head = el('tr', {}, ['account', 'model', 'window start', 'requests', 'tokens', 'used %', 'resets', 'learned limit', 'confidence']
    .map((h) => el('th', {}, h)));
  const rows = [];
  for (const a of ui.status.accounts) {
    for (const q of a.quota) {
      rows.push(el('tr', {},
        el('td', {}, a.label), el('td', {}, q.model || 'whole account'), el('td', {}, fmtTime(q.window_start)),
        el('td', { class: 'num' }, q.requests), el('td', { class: 'num' }, q.tokens),
        el('td', { class: 'num' }, q.used_percent == null ? '-' : q.used_percent.toFixed(1)),
        el('td', {}, q.resets_at ? `${fmtTime(q.resets_at)} (${fmtIn(q.resets_at)})` : '-'),
        el('td', { class: 'num' }, q.est_request_limit ?? '-'),
        el('td', { class: 'num' }, q.confidence == null ? '-' : q.confidence.toFixed(2))));
    }
  }
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 9, class: 'muted' }, 'no usage recorded yet')));
  $('quota').replaceChildren(el('thead', {}, head), el('tbody', {}, rows));
}

async function refresh() {
  const [status, accounts] = await Promise.all([api('/v1/status'), api('/v1/accounts')]);
  ui.status = status;
  ui.accounts = accounts;
  for (const a of accounts) ui.labels.set(a.id, a.label);
  renderMatrix();
  renderAccounts();
  renderQuota();
  $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
}

// Many events in a burst make one refresh, not one each.
function refreshSoon() {
  if (ui.refreshing) return;
  ui.refreshing = setTimeout(() => { ui.refreshing = null; refresh().catch(() => {}); }, 300);
}

function summary(ev) {
  const d = ev.data;
  switch (ev.kind) {
    case 'selected': return `${d.provider}/${d.model} → ${label(d.account)}${d.probe ? ' (probe)' : ''}`;
    case 'no_account': return `${d.provider}/${d.model}: every account blocked; first frees ${fmtTime(d.earliest_at)}`;
    case 'request_succeeded': return `${label(d.account)} ${d.model}`;
    case 'request_failed': return `${label(d.account)} ${d.model}: ${d.error.kind} ${d.error.status ?? ''}` +
      (d.block ? ` → ${d.block.reason} until ${fmtTime(d.block.until)}` : '');
    case 'state_cleared': return `${label(d.account)} ${d.model || 'every model'}`;
    case 'refresh_failed': return `${label(d.account)}: ${d.error} ${d.message || ''}`;
    default: return d.account ? label(d.account) : '';
  }
}

function eventLine(ev) {
  return el('li', { data: { seq: ev.seq, kind: ev.kind } },
    `#${ev.seq} ${fmtTime(ev.at)} `, el('span', { class: 'kind kind-' + ev.kind }, ev.kind), ' ', summary(ev),
    ev.data.request ? el('span', { class: 'muted' }, ' ', ev.data.request) : null);
}

function addEvent(ev, live) {
  ui.lastSeq = Math.max(ui.lastSeq, ev.seq);
  const tail = $('tail');
  tail.prepend(eventLine(ev));
  while (tail.children.length > TAIL_KEPT) tail.lastChild.remove();
  if (ev.kind === 'no_account' && !$('timeline').querySelector(`[data-seq="${ev.seq}"]`)) {
    $('timeline').prepend(eventLine(ev));
    while ($('timeline').children.length > TAIL_KEPT) $('timeline').lastChild.remove();
  }
  if (live) refreshSoon();
}

function onFrame(frame) {
  const data = frame.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
  if (data) addEvent(JSON.parse(data), true);
}

// EventSource cannot send a header, so the stream is read with fetch.
async function follow() {
  for (;;) {
    try {
      const res = await fetch('/v1/events/stream?after=' + ui.lastSeq, { headers: { Authorization: 'Bearer ' + ui.token } });
      if (res.status === 401) { showLogin('The server refused this token.'); return; }
      if (!res.ok || !res.body) throw new Error(res.statusText);
      setConn('live', 'live');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) { onFrame(buf.slice(0, i)); buf = buf.slice(i + 2); }
      }
      setConn('reconnecting', 'down');
    } catch (e) {
      setConn('disconnected: ' + e.message, 'down');
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function askClear(account, model, text) {
  const dlg = $('confirm');
  $('confirm-text').textContent = text;
  $('confirm-yes').onclick = async () => {
    dlg.close();
    try {
      await api(`/v1/accounts/${account.id}/clear`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(model ? { model } : {}) });
    } catch (e) { alertLine('clear failed: ' + e.message); }
    refresh().catch(() => {});
  };
  $('confirm-no').onclick = () => dlg.close();
  dlg.showModal();
}

function alertLine(text) { $('updated').textContent = text; }

async function explain(ev) {
  ev.preventDefault();
  const id = $('explain-id').value.trim();
  const out = $('explain-out');
  if (!id) return;
  try {
    const ex = await api('/v1/explain/' + encodeURIComponent(id));
    const rows = ex.candidates.map((c) => el('tr', {},
      el('td', {}, c.account === ex.chosen ? '→' : ''), el('td', {}, c.label), el('td', { class: 'num' }, c.tier),
      el('td', { class: c.eligible ? 'ok' : '' }, c.eligible ? 'eligible' : c.reason),
      el('td', {}, c.until ? fmtTime(c.until) : '')));
    out.replaceChildren(
      el('p', { class: 'muted' }, `${ex.provider}/${ex.model} at ${fmtTime(ex.at)}`),
      el('p', { class: 'why' }, ex.why),
      el('table', {}, el('thead', {}, el('tr', {}, ['', 'account', 'tier', 'state', 'until'].map((h) => el('th', {}, h)))), el('tbody', {}, rows)));
  } catch (e) {
    out.replaceChildren(el('p', { class: 'error' }, e.message));
  }
}

async function start() {
  ui.token = takeToken();
  if (!ui.token) { showLogin(); return; }
  $('login').hidden = true;
  $('main').hidden = false;
  try {
    await refresh();
    const [tail, timeline] = await Promise.all([
      api('/v1/events?last=true&limit=100'), api('/v1/events?last=true&limit=50&kind=no_account')]);
    for (const ev of timeline.events) $('timeline').prepend(eventLine(ev));
    for (const ev of tail.events) addEvent(ev, false);
  } catch (e) {
    if (e.message !== 'unauthorized') setConn('error: ' + e.message, 'down');
    return;
  }
  follow();
  setInterval(() => refresh().catch(() => {}), 5000);
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const t = $('token-input').value.trim();
    if (t) { sessionStorage.setItem(TOKEN_KEY, t); start(); }
  });
  $('explain-form').addEventListener('submit', explain);
  start();
});

// The kvstore console: reads /v1/cluster every 2 s, keeps five minutes of samples in the page,
// follows /v1/events, and calls the HTTP/JSON key API and the operator actions of the node that
// served it. Every text from the cluster goes in with textContent, never as HTML.
import uPlot from './vendor/uPlot.esm.js';

const POLL_MS = 2000;
const HISTORY_MS = 5 * 60 * 1000;
const METHODS = ['Put', 'Get', 'Delete', 'MultiGet', 'CompareAndSet'];
const REPLICATION = [
  ['replica.write.failed', 'replica write failures'],
  ['hints.stored', 'hints stored'],
  ['hints.replayed', 'hints replayed'],
  ['read.repairs', 'read repairs'],
  ['anti_entropy.rows', 'anti-entropy rows'],
  ['cas.rounds', 'CAS Paxos rounds'],
  ['cas.contended', 'CAS rounds lost to contention'],
];
const COLORS = ['#58a6ff', '#3fb950', '#d29922', '#f85149', '#bc8cff', '#39c5cf', '#ff7b72', '#e3b341'];

const $ = (id) => document.getElementById(id);
const samples = [];
const charts = {};
let self = null;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function bytes(n) {
  if (n === undefined) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

function pct(x) {
  return (100 * x).toFixed(1) + '%';
}

async function json(url, options) {
  const r = await fetch(url, options);
  let body = null;
  try { body = await r.json(); } catch (e) { body = { error: 'HTTP ' + r.status }; }
  return { status: r.status, body };
}

// ---- members and ring ----

// snapshots take disk beside the data: shown, so they do not eat the free space unseen
function snapshots(n) {
  const b = n.stats ? n.stats['disk.snapshot_bytes'] : 0;
  return b > 0 ? ' + ' + bytes(b) + ' snapshots' : '';
}

function renderMembers(c) {
  const tbody = $('members').tBodies[0];
  tbody.replaceChildren();
  for (const n of c.nodes) {
    const tr = el('tr');
    tr.dataset.node = n.nodeId;
    const trees = n.treesReady === undefined ? '' : n.treesReady ? 'ready' : 'building (' + n.treesRowsScanned + ' rows)';
    let move = '';
    if (n.move && !n.move.done) {
      move = n.move.kind + ' ' + n.move.rangesDone + '/' + n.move.rangesTotal + ' ranges, ' + n.move.rows + ' rows';
    } else if (n.move) {
      move = n.move.kind + (n.move.failed ? ' failed: ' : ' done: ') + n.move.message;
    }
    if (n.stats && n.stats['disk.full'] > 0) {
      move = 'DISK FULL (' + bytes(n.stats['disk.usable_bytes']) + ' usable): writes to it are hinted to others' + (move ? '; ' + move : '');
    }
    const cells = [n.nodeId + (n.nodeId === c.self ? ' (this)' : ''), n.status, n.state, n.phi === undefined ? '' : n.phi,
      n.generation, n.grpcAddress, n.rows ?? '', bytes(n.dataBytes) + snapshots(n), n.hintsPending ?? '', trees, n.error ? n.error : move];
    cells.forEach((v, i) => tr.append(el('td', v, i === 1 ? 'status status-' + n.status : undefined)));
    tbody.append(tr);
  }
}

function renderRing(c) {
  $('ring-summary').textContent = c.ring.length + ' nodes in the ring, ' + c.vnodes + ' vnodes each, RF ' + c.replicationFactor;
  const tbody = $('ring').tBodies[0];
  tbody.replaceChildren();
  c.ring.forEach((r) => {
    const tr = el('tr');
    tr.append(el('td', r.nodeId));
    const p = el('td');
    const pb = el('span', null, 'bar');
    pb.style.width = Math.round(200 * r.primary) + 'px';
    p.append(pb, el('span', pct(r.primary)));
    const q = el('td');
    const qb = el('span', null, 'bar replica');
    qb.style.width = Math.round(200 * r.replica / Math.max(1, c.replicationFactor)) + 'px';
    q.append(qb, el('span', pct(r.replica)));
    tr.append(p, q);
    tbody.append(tr);
  });
  const canvas = $('ring-wheel');
  const g = canvas.getContext('2d');
  g.clearRect(0, 0, canvas.width, canvas.height);
  let start = -Math.PI / 2;
  c.ring.forEach((r, i) => {
    const end = start + 2 * Math.PI * r.primary;
    g.beginPath();
    g.moveTo(110, 110);
    g.arc(110, 110, 100, start, end);
    g.closePath();
    g.fillStyle = COLORS[i % COLORS.length];
    g.fill();
    start = end;
  });
  g.beginPath();
  g.arc(110, 110, 55, 0, 2 * Math.PI);
  g.fillStyle = '#161c23';
  g.fill();
}

// ---- charts ----

function selectedNodes(sample) {
  const chosen = $('chart-node').value;
  return Object.keys(sample.nodes).filter((n) => !chosen || n === chosen);
}

function rate(prev, cur, node, name) {
  const a = prev.nodes[node] && prev.nodes[node][name];
  const b = cur.nodes[node] && cur.nodes[node][name];
  if (a === undefined || b === undefined || b < a) return null;
  return (b - a) / ((cur.t - prev.t) / 1000);
}

function opsRate(prev, cur, node) {
  let sum = null;
  for (const m of METHODS) {
    const r = rate(prev, cur, node, 'ops.' + m);
    if (r !== null) sum = (sum || 0) + r;
  }
  return sum;
}

function draw(id, labels, data) {
  const host = $(id);
  const key = labels.join('|');
  if (!charts[id] || charts[id].key !== key) {
    if (charts[id]) charts[id].plot.destroy();
    const opts = {
      width: Math.max(260, host.clientWidth || 360), height: 180,
      scales: { x: { time: true } },
      axes: [{ stroke: '#7d8a97', grid: { stroke: '#232b34' } }, { stroke: '#7d8a97', grid: { stroke: '#232b34' } }],
      series: [{}].concat(labels.map((l, i) => ({ label: l, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true }))),
    };
    charts[id] = { key, plot: new uPlot(opts, data, host) };
  } else {
    charts[id].plot.setData(data);
  }
}

function renderCharts() {
  if (samples.length < 2) return;
  const nodes = [...new Set(samples.flatMap((s) => Object.keys(s.nodes)))].sort();
  const select = $('chart-node');
  const have = [...select.options].map((o) => o.value);
  nodes.filter((n) => !have.includes(n)).forEach((n) => select.append(new Option(n, n)));
  const chosen = select.value ? [select.value] : nodes;

  const xs = samples.slice(1).map((s) => s.t / 1000);
  const ops = chosen.map((n) => samples.slice(1).map((s, i) => opsRate(samples[i], s, n)));
  draw('chart-ops', chosen, [xs, ...ops]);
  const now = chosen.map((n, i) => n + ' ' + Math.round(ops[i][ops[i].length - 1] || 0) + ' ops/s');
  let summary = $('ops-now');
  if (!summary) {
    summary = el('div', '', 'muted');
    summary.id = 'ops-now';
    $('chart-ops').after(summary);
  }
  summary.textContent = 'now: ' + now.join(', ');

  const latLabels = [];
  const lat = [];
  for (const m of METHODS) {
    for (const q of ['p50', 'p99']) {
      const series = samples.slice(1).map((s) => {
        let max = null;
        for (const n of selectedNodes(s)) {
          const v = s.nodes[n]['ops.' + m] !== undefined ? s.nodes[n][q + '.' + m] : undefined;
          if (v !== undefined) max = Math.max(max || 0, v);
        }
        return max;
      });
      if (series.some((v) => v !== null)) {
        latLabels.push(m + ' ' + q);
        lat.push(series);
      }
    }
  }
  draw('chart-latency', latLabels, [xs, ...lat]);

  const repl = REPLICATION.map(([name]) => samples.slice(1).map((s, i) => {
    let sum = null;
    for (const n of selectedNodes(s)) {
      const r = rate(samples[i], s, n, name);
      if (r !== null) sum = (sum || 0) + r;
    }
    return sum;
  }));
  draw('chart-replication', REPLICATION.map(([, label]) => label), [xs, ...repl]);
}

// ---- polling ----

async function poll() {
  try {
    const { status, body } = await json('/v1/cluster');
    if (status !== 200) throw new Error(body.error || 'HTTP ' + status);
    self = body;
    $('cluster-name').textContent = body.clusterName;
    $('served-by').textContent = 'served by ' + body.self;
    $('security').textContent = body.secure ? 'mutual TLS' : 'INSECURE';
    $('operator-node').textContent = body.self;
    renderMembers(body);
    renderRing(body);
    const sample = { t: Date.now(), nodes: {} };
    for (const n of body.nodes) {
      if (n.stats) sample.nodes[n.nodeId] = n.stats;
    }
    samples.push(sample);
    while (samples.length && samples[0].t < sample.t - HISTORY_MS) samples.shift();
    renderCharts();
    setOperator(body.operator, body.secure);
    $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    $('updated').textContent = 'cannot reach the node: ' + e.message;
  }
}

// ---- events ----

function follow() {
  const box = $('events');
  const source = new EventSource('/v1/events');
  source.onmessage = (m) => {
    let e;
    try { e = JSON.parse(m.data); } catch (x) { return; }
    const line = new Date(e.t).toLocaleTimeString() + ' ' + e.line + (e.dropped ? '  (' + e.dropped + ' lines dropped)' : '');
    const cls = e.line.startsWith('[FAILURE-DETECTOR]') ? 'fd' : e.line.startsWith('[GOSSIP]') ? 'gossip'
      : /refused|failed|WARN/.test(e.line) ? 'warn' : undefined;
    const stick = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
    box.append(el('div', line, cls));
    while (box.childNodes.length > 500) box.firstChild.remove();
    if (stick) box.scrollTop = box.scrollHeight;
  };
}

// ---- keys ----

function keyUrl(base) {
  const key = $('key').value;
  const c = $('consistency').value;
  return base + encodeURIComponent(key) + (c ? '?consistency=' + c : '');
}

// writes are stamped when the operator makes them (microseconds, increasing within this page), so one
// that a stalled node applies late cannot overwrite a write acknowledged after it
let lastStamp = 0;
function stamped(url) {
  lastStamp = Math.max(Date.now() * 1000, lastStamp + 1);
  return url + (url.includes('?') ? '&' : '?') + 'timestampUs=' + lastStamp;
}

function show(result) {
  $('key-result').textContent = JSON.stringify(result.body, null, 1) + '   (HTTP ' + result.status + ')';
}

async function keyAction(kind) {
  if (!$('key').value) {
    $('key-result').textContent = 'type a key first';
    return;
  }
  $('where-table').hidden = true;
  if (kind === 'get') {
    show(await json(keyUrl('/v1/kv/')));
  } else if (kind === 'put') {
    const body = { value: $('value').value };
    if ($('ttl').value) body.ttlMs = Number($('ttl').value);
    show(await json(stamped(keyUrl('/v1/kv/')), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
  } else if (kind === 'delete') {
    if (!confirm('Delete key "' + $('key').value + '"?')) return;
    show(await json(stamped(keyUrl('/v1/kv/')), { method: 'DELETE' }));
  } else {
    const r = await json('/v1/where/' + encodeURIComponent($('key').value));
    show(r);
    if (r.status === 200) renderWhere(r.body);
  }
}

function renderWhere(w) {
  const tbody = $('where-table').tBodies[0];
  tbody.replaceChildren();
  for (const r of w.replicas) {
    const tr = el('tr');
    const holds = r.error ? r.error : !r.present ? '(absent)' : r.tombstone ? 'tombstone' : r.expired ? 'expired value' : 'value';
    [r.nodeId, r.status, holds, r.version ? new Date(r.version).toISOString() : '', r.valueSha256 || '', r.bytes ?? '',
      r.expiresAt ? new Date(r.expiresAt).toISOString() : ''].forEach((v) => tr.append(el('td', v)));
    tbody.append(tr);
  }
  $('where-table').hidden = false;
}

// ---- operator ----

function setOperator(allowed, secure) {
  document.querySelectorAll('button.op').forEach((b) => { b.disabled = !allowed; });
  $('operator-note').textContent = allowed
    ? (secure ? 'Signed in with a certificate from the cluster CA.' : 'Insecure cluster: anyone reaching this port may run these.')
    : 'Operator actions need the operator certificate (certs/kvctl.pem) over HTTPS (httpTls on the node).';
}

async function operate(action, question) {
  if (!confirm(question)) return;
  const out = $('operator-progress');
  out.textContent = action + ': starting...';
  const r = await fetch('/v1/admin/' + action, { method: 'POST' });
  if (!r.ok) {
    let e;
    try { e = (await r.json()).error; } catch (x) { e = 'HTTP ' + r.status; }
    out.textContent = action + ' refused: ' + e;
    return;
  }
  const reader = r.body.getReader();
  const text = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += text.decode(value, { stream: true });
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const p = JSON.parse(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      out.textContent = action + ': ' + describe(p);
    }
  }
  if (buffered.trim()) out.textContent = action + ': ' + describe(JSON.parse(buffered));
}

function describe(p) {
  if (p.kind === 'repair') {
    return (p.done ? 'done' : 'running') + ' — peers ' + p.peersDone + '/' + p.peersTotal + ', ranges differing ' + p.rangesDiffering
      + '/' + p.rangesCompared + ', rows pulled ' + p.rowsPulled + ', pushed ' + p.rowsPushed + (p.message ? ' — ' + p.message : '');
  }
  if (p.kind) {
    return (p.done ? (p.failed ? 'failed' : 'done') : 'running') + ' — ranges ' + p.rangesDone + '/' + p.rangesTotal + ', rows '
      + p.rows + ', ' + bytes(p.bytes) + (p.message ? ' — ' + p.message : '');
  }
  return p.failed ? 'failed: ' + p.message : 'done';
}

$('get').onclick = () => keyAction('get');
$('put').onclick = () => keyAction('put');
$('delete').onclick = () => keyAction('delete');
$('where').onclick = () => keyAction('where');
$('chart-node').onchange = renderCharts;
$('repair').onclick = () => operate('repair', 'Run anti-entropy with every peer now?');
$('cleanup').onclick = () => operate('cleanup', 'Delete the rows this node no longer replicates?');
$('decommission').onclick = () => operate('decommission', 'Decommission ' + (self ? self.self : 'this node')
  + ': stream its ranges to the other nodes and remove it from the cluster for good?');

poll();
setInterval(poll, POLL_MS);
follow();

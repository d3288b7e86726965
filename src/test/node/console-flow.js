// The console in headless Chromium against a real 3-node cluster (ConsoleIT starts the nodes).
// Usage: node console-flow.js <http node1> <http node2> <pid of node3> <node.jar> <grpc node1> <screenshot dir>
// Prints one "ok: ..." line per step; exits 1 with the reason at the first failed step.
const { chromium } = require('playwright-core');
const { spawn } = require('child_process');
const path = require('path');

const [http1, http2, pid3, jar, grpc1, shots] = process.argv.slice(2);
const DETECTOR_MS = 15000;

function ok(what) {
  console.log('ok: ' + what);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, name), fullPage: true });
}

async function memberStatus(page, node) {
  return page.locator(`#members tr[data-node="${node}"] td.status`).textContent({ timeout: 2000 }).catch(() => null);
}

async function main() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1100 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => d.accept());
    await page.goto('http://' + http1 + '/');

    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('#members tbody tr')];
      return rows.length === 3 && rows.every((r) => r.querySelector('td.status').textContent === 'UP');
    }, null, { timeout: 20000 });
    ok('the members table lists node1, node2 and node3, all UP');
    const ringRows = await page.locator('#ring tbody tr').count();
    if (ringRows !== 3) throw new Error('the ring shows ' + ringRows + ' nodes');
    ok('the ring shows each node\'s share');

    await page.waitForFunction(() => document.getElementById('events').textContent.includes('[GOSSIP]'), null, { timeout: 20000 });
    ok('the event feed shows a gossip event');
    await shot(page, '1-members-ring-events.png');

    await page.fill('#key', 'console-key/ü');
    await page.fill('#value', 'written in the console');
    await page.click('#put');
    await page.waitForFunction(() => document.getElementById('key-result').textContent.includes('(HTTP 200)'), null, { timeout: 10000 });
    ok('a put in the key browser is acknowledged');

    const other = await context.newPage();
    other.on('pageerror', (e) => errors.push(e.message));
    await other.goto('http://' + http2 + '/');
    await other.fill('#key', 'console-key/ü');
    await other.click('#get');
    await other.waitForFunction(() => document.getElementById('key-result').textContent.includes('written in the console'),
      null, { timeout: 10000 });
    ok('the key is found through another node\'s console');
    await other.click('#where');
    await other.waitForFunction(() => document.querySelectorAll('#where-table tbody tr').length === 3, null, { timeout: 10000 });
    const holds = await other.locator('#where-table tbody tr td:nth-child(3)').allTextContents();
    if (!holds.every((h) => h === 'value')) throw new Error('where shows ' + holds.join(', '));
    ok('where shows the value on all three replicas');
    await shot(other, '2-key-browser.png');

    const bench = spawn('java', ['-jar', jar, 'kvctl', 'bench', '--targets', grpc1, '--op', 'mixed', '--duration', '12s',
      '--warmup', '0s', '--keys', '1000', '--concurrency', '16'], { stdio: 'ignore' });
    await page.waitForFunction(() => {
      const now = document.getElementById('ops-now');
      return now && /[1-9]\d* ops\/s/.test(now.textContent);
    }, null, { timeout: 20000 });
    ok('the charts show non-zero ops/s under a short bench: ' + await page.locator('#ops-now').textContent());
    await page.waitForTimeout(2500);
    await shot(page, '3-charts-under-load.png');
    await new Promise((resolve) => bench.on('exit', resolve));

    await page.click('#repair');
    await page.waitForFunction(() => document.getElementById('operator-progress').textContent.includes('done'),
      null, { timeout: 60000 });
    ok('repair now runs after the confirmation and reports: ' + await page.locator('#operator-progress').textContent());

    const killedAt = Date.now();
    process.kill(Number(pid3), 'SIGKILL');
    await page.waitForFunction(() => {
      const cell = document.querySelector('#members tr[data-node="node3"] td.status');
      return cell && (cell.textContent === 'SUSPECT' || cell.textContent === 'DOWN');
    }, null, { timeout: DETECTOR_MS });
    ok('node3 shows ' + await memberStatus(page, 'node3') + ' ' + (Date.now() - killedAt) + ' ms after it was killed');
    await page.waitForFunction(() => document.querySelector('#members tr[data-node="node3"] td.status').textContent === 'DOWN',
      null, { timeout: DETECTOR_MS });
    await page.waitForFunction(() => document.getElementById('events').textContent.includes('[FAILURE-DETECTOR] node3 is DOWN'),
      null, { timeout: 5000 });
    ok('node3 is DOWN on the page ' + (Date.now() - killedAt) + ' ms after it was killed, and the feed says so');
    await shot(page, '4-node3-down.png');
    if (errors.length) throw new Error('the page threw: ' + errors.join('; '));
    ok('the page threw no error');
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (e) => {
  console.log('FAILED: ' + (e && e.message ? e.message : e));
  process.exit(1);
});

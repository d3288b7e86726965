// The prototype's client flow, with the prototype's client libraries, against a running cluster:
// write on node 1, read it back from nodes 1, 2 and 3; write on node 2, read it from node 3.
// Then the prototype's HTTP gateway's reading of /membership (api/index.js: a map from node id to
// { addr, hb }), and a status message as grpc-js shows it.
// usage: node client-flow.js PROTO host:port host:port host:port [http://host:httpPort]
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [protoPath, ...rest] = process.argv.slice(2);
const addrs = rest.filter((a) => !a.startsWith('http'));
const gossipHttp = rest.find((a) => a.startsWith('http'));
const def = protoLoader.loadSync(protoPath, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
const kv = grpc.loadPackageDefinition(def).kv;
const clients = addrs.map((a) => new kv.KeyValue(a, grpc.credentials.createInsecure()));

const call = (client, method, req) => new Promise((resolve, reject) => {
  client[method](req, { deadline: Date.now() + 10000 }, (err, res) => (err ? reject(err) : resolve(res)));
});

function check(cond, what) {
  if (!cond) {
    console.error('FAILED: ' + what);
    process.exit(1);
  }
  console.log('ok: ' + what);
}

(async () => {
  const key = 'node-client-' + Date.now();
  const put1 = await call(clients[0], 'Put', { key, value: 'from-node-1', modified_at: Date.now() });
  check(put1.ok === true, 'Put on node 1 answered ok');
  for (let i = 0; i < 3; i++) {
    const got = await call(clients[i], 'Get', { key });
    check(got.found === true && got.value === 'from-node-1', `Get on node ${i + 1} returns the value (own_id=${got.own_id})`);
    check(got.own_id !== '', `node ${i + 1} names itself in own_id`);
  }
  const key2 = key + '-b';
  const put2 = await call(clients[1], 'Put', { key: key2, value: 'from-node-2', modified_at: Date.now() });
  check(put2.ok === true, 'Put on node 2 answered ok');
  const got2 = await call(clients[2], 'Get', { key: key2 });
  check(got2.found === true && got2.value === 'from-node-2', 'Get on node 3 returns what node 2 wrote');
  const missing = await call(clients[2], 'Get', { key: key + '-never' });
  check(missing.found === false, 'an absent key reads as found=false');
  try {
    await call(clients[0], 'Put', { key: '', value: 'x' });
    check(false, 'an empty key is rejected');
  } catch (e) {
    check(e.code === grpc.status.INVALID_ARGUMENT, 'an empty key is rejected with INVALID_ARGUMENT: ' + e.details);
  }
  try {
    await call(clients[0], 'Put', { key: 'k'.repeat(2000), value: 'x' });
    check(false, 'a too-long key is rejected');
  } catch (e) {
    check(e.details === 'key is 2000 bytes; the limit (maxKeyBytes) is 1024', 'a status message reads as written: ' + e.details);
  }
  if (gossipHttp) {
    // exactly what the prototype's gateway does for /api/cluster/nodes and /api/cluster/health
    const data = await (await fetch(`${gossipHttp}/membership`)).json();
    const nodes = Object.entries(data).map(([nodeId, info]) => ({ node_id: nodeId, addr: info.addr, heartbeat: info.hb, status: 'UP' }));
    const nodeCount = Object.keys(data).length;
    check(nodeCount === addrs.length, `the gateway counts ${nodeCount} nodes: ${JSON.stringify(nodes)}`);
    for (const a of addrs) {
      check(nodes.some((n) => n.addr === a && /^node\d$/.test(n.node_id) && Number(n.heartbeat) > 0), `the gateway lists the node at ${a}`);
    }
  }
  clients.forEach((c) => c.close());
})().catch((e) => {
  console.error('FAILED: ' + e.stack);
  process.exit(1);
});

// The prototype's client flow, with the prototype's client libraries, against a running cluster:
// write on node 1, read it back from nodes 1, 2 and 3; write on node 2, read it from node 3.
// usage: node client-flow.js PROTO host:port host:port host:port
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [protoPath, ...addrs] = process.argv.slice(2);
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
  clients.forEach((c) => c.close());
})().catch((e) => {
  console.error('FAILED: ' + e.stack);
  process.exit(1);
});

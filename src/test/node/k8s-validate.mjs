// Validates Kubernetes manifests against the official OpenAPI schemas (kubernetes-models): every
// document of each file, by its apiVersion and kind. Exit 0 when all are valid, 1 otherwise.
// usage: node k8s-validate.mjs FILE.yaml...
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';

let failed = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of yaml.loadAll(readFileSync(file, 'utf8')).filter(Boolean)) {
    const name = `${file}: ${doc.kind} ${doc.metadata?.name}`;
    const [group, version] = String(doc.apiVersion).includes('/') ? doc.apiVersion.split('/') : ['', doc.apiVersion];
    let Model;
    try {
      Model = (await import(`kubernetes-models/${group ? group + '/' : ''}${version}/${doc.kind}`))[doc.kind];
    } catch (e) {
      failed++;
      console.log(`INVALID: ${name}: no schema for apiVersion ${doc.apiVersion} kind ${doc.kind}`);
      continue;
    }
    try {
      new Model(doc).validate();
      console.log(`ok: ${name}`);
    } catch (e) {
      failed++;
      console.log(`INVALID: ${name}: ${e.message}`);
    }
  }
}
process.exit(failed ? 1 : 0);

import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLI, RegistryCluster } from '../cluster/index.js';

/**
 * `npm run cluster -- --size 3 [--tls]`: a local cairn cluster (with a cluster key) in the foreground
 * until Ctrl-C. With --tls, `cairn tls` makes a CA and a server certificate in the cluster's
 * directory and every server runs HTTPS and mutual TLS between servers with them.
 */
function tlsArgs(dir: string): string[] {
  const tls = (...args: string[]) =>
    execFileSync(process.execPath, [CLI, 'tls', ...args], { cwd: dir, stdio: 'ignore' });
  tls('ca', 'create');
  tls('cert', 'create', '-server');
  const at = (f: string) => join(dir, f);
  return [
    '--tls-cert-file',
    at('dc1-server-consul-0.pem'),
    '--tls-key-file',
    at('dc1-server-consul-0-key.pem'),
    '--tls-ca-file',
    at('consul-agent-ca.pem'),
    '--tls-verify-incoming',
    '--tls-verify-outgoing',
    '--tls-verify-server-hostname',
  ];
}

let values: { size?: string; dir?: string; tls?: boolean };
try {
  values = parseArgs({
    options: { size: { type: 'string', default: '3' }, dir: { type: 'string' }, tls: { type: 'boolean' } },
  }).values;
} catch (e) {
  process.stderr.write(`cluster: ${(e as Error).message.split('\n')[0]}\n`);
  process.exit(2);
}
const size = Number(values.size);
if (!Number.isInteger(size) || size < 1 || size > 7) {
  process.stderr.write(`cluster: --size must be an integer from 1 to 7, got "${values.size}"\n`);
  process.exit(2);
}
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'cairn-cluster-'));
const cluster = await RegistryCluster.create({
  size,
  baseDir: dir,
  agentArgs: values.tls ? tlsArgs(dir) : [],
});
cluster.start();
let leaderName: string;
try {
  leaderName = (await cluster.waitForLeader(60_000)).name;
} catch (e) {
  process.stderr.write(`cluster: ${(e as Error).message}; logs in ${dir}\n`);
  await cluster.stop('SIGTERM');
  process.exit(1);
}
for (const s of cluster.servers) {
  process.stdout.write(
    `${s.name}  http ${s.url}  server ${s.serverAddress}  pid ${s.pid}  log ${s.logPath}\n`,
  );
}
process.stdout.write(`leader: ${leaderName}; data in ${dir}; Ctrl-C stops every server\n`);
await new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});
await cluster.stop('SIGTERM');

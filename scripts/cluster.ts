import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalCluster } from '../cluster/index.js';

/** `npm run cluster -- --size 3`: a local cluster in the foreground until Ctrl-C. */
const { values } = parseArgs({
  options: { size: { type: 'string', default: '3' }, dir: { type: 'string' } },
});
const size = Number(values.size);
if (!Number.isInteger(size) || size < 1 || size > 7) {
  process.stderr.write(`cluster: --size must be an integer from 1 to 7, got "${values.size}"\n`);
  process.exit(2);
}
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'cairn-cluster-'));
const cluster = await LocalCluster.create({ size, baseDir: dir });
cluster.start();
const leader = await cluster.waitForLeader(30_000);
for (const s of cluster.servers) {
  process.stdout.write(
    `${s.id}  http ${s.url}  raft 127.0.0.1:${s.raftPort}  pid ${s.pid}  log ${s.logPath}\n`,
  );
}
process.stdout.write(`leader: ${leader.id}; data in ${dir}; Ctrl-C stops every server\n`);
await new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});
await cluster.stop('SIGTERM');

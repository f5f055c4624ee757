import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RegistryCluster } from '../cluster/index.js';

/** `npm run cluster -- --size 3`: a local cairn cluster in the foreground until Ctrl-C. */
let values: { size?: string; dir?: string };
try {
  values = parseArgs({ options: { size: { type: 'string', default: '3' }, dir: { type: 'string' } } }).values;
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
const cluster = await RegistryCluster.create({ size, baseDir: dir });
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

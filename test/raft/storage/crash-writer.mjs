// Child process of level-crash.test.ts: appends synced batches to a LevelStorage
// forever, announcing each batch before writing it ("will") and after the
// synced write returned ("ack"), until the parent SIGKILLs it.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { LevelStorage } = await import(join(root, 'dist', 'src', 'raft', 'storage', 'index.js'));

const [dir, seedArg] = process.argv.slice(2);
let x = Number(seedArg) >>> 0 || 1;
const random = (n) => {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  x >>>= 0;
  return x % n;
};

const storage = new LevelStorage(dir);
await storage.open();
const state = await storage.load();
let last = state.entries.at(-1)?.index ?? state.snapshot?.meta.index ?? 0;
let term = Math.max(1, state.hardState.term);
const encoder = new TextEncoder();
for (;;) {
  let from = last + 1;
  if (last > 3 && random(10) === 0) {
    // A new leader overwriting an uncommitted tail.
    from = last - random(3);
    term += 1;
  }
  const to = from + random(20);
  const entries = [];
  for (let i = from; i <= to; i++) {
    entries.push({ index: i, term, kind: 'normal', data: encoder.encode(`${i}@${term}`) });
  }
  process.stdout.write(`will ${from} ${to} ${term}\n`);
  await storage.save(
    { entries, hardState: { term, vote: `v${term}`, commit: from - 1 }, snapshot: null },
    true,
  );
  process.stdout.write(`ack ${from} ${to} ${term}\n`);
  last = to;
}

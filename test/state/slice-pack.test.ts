import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { packInSlices } from '../../src/state/slice-pack.js';

const packr = new Packr({ useRecords: false, moreTypes: false });
const noWait = { sliceMs: 1e9, yieldToLoop: async () => {} };

/** Values shaped like a state image: objects of tables, long arrays of records with byte strings. */
const record = fc.record({
  key: fc.string(),
  value: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
  index: fc.nat(),
  session: fc.option(fc.string()),
  tags: fc.array(fc.string(), { maxLength: 3 }),
});
const table = fc.array(record, { maxLength: 300 });
const image = fc.record({
  v: fc.constant(2),
  applied: fc.nat(),
  kv: fc.record({
    entries: table,
    history: fc.array(fc.tuple(fc.string(), table), { maxLength: 80 }),
    index: fc.nat(),
  }),
  catalog: fc.dictionary(fc.string(), table, { maxKeys: 20 }),
  empty: fc.constant([] as unknown[]),
});

describe('packInSlices', () => {
  it('writes the document packr.pack writes (same value after unpacking, byte strings as Buffers)', async () => {
    await fc.assert(
      fc.asyncProperty(image, async (img) => {
        const sliced = await packInSlices(img, packr, noWait);
        expect(Buffer.isBuffer(sliced)).toBe(true);
        expect(packr.unpack(sliced)).toEqual(packr.unpack(packr.pack(img)));
      }),
      { seed: 7171, numRuns: 60 },
    );
  });

  it('yields between slices, and the headers of long arrays and large maps are right', async () => {
    const big = {
      list: Array.from({ length: 70_000 }, (_, i) => ({ i, b: Buffer.from([i & 0xff]) })),
      map: Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`k${i}`, i])),
      mid: Array.from({ length: 300 }, (_, i) => i),
    };
    let yields = 0;
    const sliced = await packInSlices(big, packr, {
      sliceMs: 0,
      yieldToLoop: async () => {
        yields++;
      },
    });
    expect(yields).toBeGreaterThan(1000);
    expect(packr.unpack(sliced)).toEqual(big);
  });
});

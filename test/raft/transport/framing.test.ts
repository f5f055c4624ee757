import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameError, FrameKind, FrameParser, frameHeader } from '../../../src/raft/transport/framing.js';

const frameBytes = (kind: FrameKind, payload: Uint8Array) =>
  Buffer.concat([frameHeader(kind, payload.length), payload]);

function collect(max = 1 << 20) {
  const got: { kind: number; payload: string }[] = [];
  const p = new FrameParser((kind, payload) => got.push({ kind, payload: payload.toString('hex') }), max);
  return { p, got };
}

describe('frame parsing', () => {
  it('reassembles frames however the stream is cut (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom(FrameKind.message, FrameKind.request, FrameKind.snapshotChunk),
            fc.uint8Array({ maxLength: 300 }),
          ),
          {
            maxLength: 20,
          },
        ),
        fc.array(fc.nat(), { maxLength: 30 }),
        (frames, cuts) => {
          const stream = Buffer.concat(frames.map(([k, p]) => frameBytes(k, p)));
          const points = [...new Set(cuts.map((c) => (stream.length === 0 ? 0 : c % stream.length)))].sort(
            (a, b) => a - b,
          );
          const { p, got } = collect();
          let prev = 0;
          for (const at of [...points, stream.length]) {
            p.push(stream.subarray(prev, at));
            prev = at;
          }
          expect(got).toEqual(
            frames.map(([kind, payload]) => ({ kind, payload: Buffer.from(payload).toString('hex') })),
          );
          expect(p.pending).toBe(0);
        },
      ),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('delivers coalesced frames from one chunk, zero-length payloads included', () => {
    const { p, got } = collect();
    p.push(
      Buffer.concat([
        frameBytes(FrameKind.message, Buffer.from('ab')),
        frameBytes(FrameKind.hello, Buffer.alloc(0)),
      ]),
    );
    expect(got).toEqual([
      { kind: FrameKind.message, payload: '6162' },
      { kind: FrameKind.hello, payload: '' },
    ]);
  });

  it('refuses a frame above the limit before buffering its payload', () => {
    const { p } = collect(10);
    expect(() => p.push(frameHeader(FrameKind.message, 11))).toThrow(FrameError);
  });

  it('refuses an unknown frame kind', () => {
    const { p } = collect();
    expect(() => p.push(Buffer.from([0, 0, 0, 1, 99, 0]))).toThrow(/unknown frame kind 99/);
  });

  it('ignores everything after stop()', () => {
    const { p, got } = collect();
    p.stop();
    p.push(frameBytes(FrameKind.message, Buffer.from('x')));
    expect(got).toEqual([]);
  });
});

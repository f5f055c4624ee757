import type { Failure, Heartbeat, Response } from './rpc.js';

type Result = Failure | null;

interface Pending {
  readonly beat: Heartbeat;
  readonly resolve: (r: Result) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Coalesces the heartbeats a follower receives into one request to the
 * leader per turn of the event loop (at most `maxBatch` per request), so a
 * thousand heartbeats a second cost a handful of round trips.
 */
export class HeartbeatBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly send: (beats: readonly Heartbeat[]) => Promise<readonly (Response | Result)[]>,
    private readonly maxBatch = 2000,
  ) {}

  add(beat: Heartbeat): Promise<Result> {
    if (this.closed) return Promise.reject(new Error('server is stopping'));
    return new Promise((resolve, reject) => {
      this.queue.push({ beat, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  close(): void {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('server is stopping'));
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.send(batch.map((p) => p.beat)).then(
        (results) => {
          batch.forEach((p, i) => {
            const r = results[i];
            p.resolve(r && !r.ok ? r : null);
          });
        },
        (e: unknown) => {
          for (const p of batch) p.reject(e);
        },
      );
    }
  }
}

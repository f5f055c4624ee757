interface Pending<In, Out> {
  readonly item: In;
  readonly resolve: (r: Out) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Coalesces what a follower must send to the leader (heartbeats, writes)
 * into one request per turn of the event loop (at most `maxBatch` items
 * each), so a thousand calls a second cost a handful of round trips. `send`
 * answers one result per item, in order.
 */
export class Coalescer<In, Out> {
  private queue: Pending<In, Out>[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly send: (items: readonly In[]) => Promise<readonly Out[]>,
    private readonly maxBatch = 2000,
  ) {}

  add(item: In): Promise<Out> {
    if (this.closed) return Promise.reject(new Error('server is stopping'));
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
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
      this.send(batch.map((p) => p.item)).then(
        (results) => {
          batch.forEach((p, i) => {
            const r = results[i];
            if (r === undefined) p.reject(new Error('the leader answered fewer results than it was sent'));
            else p.resolve(r);
          });
        },
        (e: unknown) => {
          for (const p of batch) p.reject(e);
        },
      );
    }
  }
}

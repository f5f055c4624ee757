/**
 * Shares follower read barriers: every read that arrives while a request
 * for the leader's read index is in flight waits for the NEXT request, which
 * is sent when the current one returns. Each read thus gets an index the
 * leader confirmed after the read arrived (linearizable), and a thousand
 * concurrent reads cost a couple of round trips instead of a thousand.
 */
export class ReadBatcher {
  private inFlight = false;
  private waiting: { resolve: (index: number) => void; reject: (e: unknown) => void }[] = [];

  constructor(private readonly fetchIndex: () => Promise<number>) {}

  index(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.inFlight) this.send();
    });
  }

  private send(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.inFlight = true;
    this.fetchIndex()
      .then(
        (index) => {
          for (const w of batch) w.resolve(index);
        },
        (e: unknown) => {
          for (const w of batch) w.reject(e);
        },
      )
      .finally(() => {
        this.inFlight = false;
        if (this.waiting.length > 0) this.send();
      });
  }
}

/**
 * Polls a synchronous probe every few milliseconds until it returns a value: the driver tests run
 * 10 ms ticks, so the cluster helpers' 100 ms polling would blur what they measure.
 */
export async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

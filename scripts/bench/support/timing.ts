export const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

/** `p`, or a rejection naming `what` once `ms` pass: a server that stops answering must not hang the run. */
export const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        res(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        rej(e);
      },
    );
  });

/**
 * On SIGINT or SIGTERM (Ctrl-C, a harness's timeout) runs `stop`, which stops everything the
 * benchmark started, then exits 130. With `progress`, says so first. Returns what interrupted the
 * run, null until something did: loops check it to end early instead of starting more work.
 */
export function stopOnSignals(
  stop: () => Promise<unknown>,
  progress?: (msg: string) => void,
): () => NodeJS.Signals | null {
  let interrupted: NodeJS.Signals | null = null;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      interrupted = sig;
      progress?.(`${sig}: stopping everything this benchmark started`);
      void stop().finally(() => process.exit(130));
    });
  }
  return () => interrupted;
}

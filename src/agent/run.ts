import type { Logger } from 'pino';
import { startAgent } from './agent.js';
import type { AgentConfig } from './config.js';
import { HaltedError } from './halted.js';

/** How long a halted server spends closing its listeners before it exits anyway. */
const HALT_CLOSE_MS = 5_000;

/**
 * Runs an agent until SIGTERM, SIGINT or a fatal server error, then stops it. SIGHUP calls
 * `reload` (the flags and the config file read again) and applies what can change while running.
 */
export async function runAgent(
  config: AgentConfig,
  logger: Logger,
  reload?: () => AgentConfig | Promise<AgentConfig>,
): Promise<void> {
  const agent = await startAgent(config, logger);
  const onHangup = () => {
    if (reload === undefined) return;
    const failed = (e: unknown) =>
      logger.error({ err: e }, 'SIGHUP: configuration not reloaded; the running one stays in force');
    // A reload that throws at once and one that fails later are reported alike.
    Promise.resolve()
      .then(reload)
      .then(async (next) => {
        await agent.reload(next);
        logger.info(
          { clusterKeys: next.encrypt.length, tls: next.tlsCertFile !== undefined },
          'SIGHUP: configuration reloaded; cluster keys and certificates applied to new connections',
        );
      })
      .catch(failed);
  };
  process.on('SIGHUP', onHangup);
  let fatal: unknown = null;
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.off('SIGHUP', onHangup);
      logger.info({ signal }, 'stopping');
      const closed = agent.stop();
      // A halted server must exit even if a client holds a request open (a blocking query).
      const bounded =
        fatal === null
          ? closed
          : Promise.race([
              closed,
              new Promise<void>((r) => {
                setTimeout(() => {
                  logger.warn({ ms: HALT_CLOSE_MS }, 'listeners not closed in time; exiting anyway');
                  r();
                }, HALT_CLOSE_MS).unref();
              }),
            ]);
      bounded.then(resolve, (e: unknown) => {
        logger.error({ err: e }, 'error while stopping');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    void agent.fatal.then((err: unknown) => {
      fatal = err ?? new Error('the server stopped itself');
      stop('fatal');
    });
  });
  if (fatal !== null) throw new HaltedError(fatal);
}

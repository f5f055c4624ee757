import type { Logger } from 'pino';
import { startAgent } from './agent.js';
import type { AgentConfig } from './config.js';

/**
 * Runs an agent until SIGTERM, SIGINT or a fatal server error, then stops it. SIGHUP calls
 * `reload` (the flags and the config file read again) and applies what can change while running.
 */
export async function runAgent(
  config: AgentConfig,
  logger: Logger,
  reload?: () => AgentConfig,
): Promise<void> {
  const agent = await startAgent(config, logger);
  const onHangup = () => {
    if (reload === undefined) return;
    try {
      const next = reload();
      agent.reload(next);
      logger.info(
        { clusterKeys: next.encrypt.length },
        'SIGHUP: configuration reloaded; cluster keys applied to new connections',
      );
    } catch (e) {
      logger.error({ err: e }, 'SIGHUP: configuration not reloaded; the running one stays in force');
    }
  };
  process.on('SIGHUP', onHangup);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.off('SIGHUP', onHangup);
      logger.info({ signal }, 'stopping');
      agent.stop().then(resolve, (e: unknown) => {
        logger.error({ err: e }, 'error while stopping');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    agent.server.once('fatal', () => stop('fatal'));
  });
}

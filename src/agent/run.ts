import type { Logger } from 'pino';
import { startAgent } from './agent.js';
import type { AgentConfig } from './config.js';

/** Runs an agent until SIGTERM, SIGINT or a fatal server error, then stops it. */
export async function runAgent(config: AgentConfig, logger: Logger): Promise<void> {
  const agent = await startAgent(config, logger);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
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

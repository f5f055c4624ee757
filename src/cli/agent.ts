import { pino } from 'pino';
import { runAgent as run } from '../agent/index.js';
import type { AgentConfig } from './agent-args.js';

/**
 * `cairn agent`: one server, logging as configured, until SIGTERM or SIGINT. SIGHUP calls
 * `reload` (the flags and config file read again) and applies what can change while running.
 */
export async function runAgent(config: AgentConfig, reload?: () => AgentConfig): Promise<void> {
  const logger = pino({ level: config.logLevel, base: { node: config.node } });
  await run(config, logger, reload);
}

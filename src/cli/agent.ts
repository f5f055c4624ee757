import { pino } from 'pino';
import { runAgent as run } from '../agent/index.js';
import type { AgentConfig } from './agent-args.js';

/** `cairn agent`: one server, logging as configured, until SIGTERM or SIGINT. */
export async function runAgent(config: AgentConfig): Promise<void> {
  const logger = pino({ level: config.logLevel, base: { node: config.node } });
  await run(config, logger);
}

import { pino } from 'pino';
import type { AgentConfig } from '../agent/index.js';
import { HaltedError as AgentHalted, runAgent as run } from '../agent/index.js';
import { HaltedError } from './errors.js';

/**
 * `cairn agent`: one server, logging as configured, until SIGTERM or SIGINT. SIGHUP calls
 * `reload` (the flags and config file read again) and applies what can change while running.
 */
export async function runAgent(config: AgentConfig, reload?: () => AgentConfig): Promise<void> {
  const logger = pino({ level: config.logLevel, base: { node: config.node } });
  try {
    await run(config, logger, reload);
  } catch (e) {
    // The CLI's own error type, so that main.ts need not load the agent to recognise it.
    throw e instanceof AgentHalted ? new HaltedError(e.cause) : e;
  }
}

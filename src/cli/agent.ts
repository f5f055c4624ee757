import type { AgentConfig } from '../agent/index.js';
import { HaltedError as AgentHalted, runAgent as run } from '../agent/index.js';
import { HaltedError } from './errors.js';
import { commandLogger } from './logger.js';

/**
 * `cairn agent`: one server, logging as configured (readable lines on a terminal, JSON otherwise
 * or with --log-json), until SIGTERM or SIGINT. SIGHUP calls
 * `reload` (the flags and config file read again) and applies what can change while running.
 */
export async function runAgent(
  config: AgentConfig,
  reload?: () => AgentConfig | Promise<AgentConfig>,
): Promise<void> {
  const logger = commandLogger(config.logLevel, config.node, config.logJson === true);
  try {
    await run(config, logger, reload);
  } catch (e) {
    // The CLI's own error type, so that main.ts need not load the agent to recognise it.
    throw e instanceof AgentHalted ? new HaltedError(e.cause) : e;
  }
}

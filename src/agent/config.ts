/**
 * What an agent runs with. The CLI parses and validates it (src/cli/agent-args.ts); the type is
 * named here so the agent's callers need not reach into the CLI.
 */
export { type AgentConfig, advertisedHttpAddress } from '../cli/agent-args.js';

/** The production wiring of one cairn server (LevelDB, TCP, HTTP, DNS, metrics) that `cairn agent` runs. */
export { type Agent, startAgent } from './agent.js';
export { type AgentConfig, advertisedHttpAddress, announcedApiAddresses, type LogLevel } from './config.js';
export { HaltedError } from './halted.js';
export type { Listener } from './listeners.js';
export { runAgent } from './run.js';

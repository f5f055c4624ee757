export { type AgentArgvOptions, type AgentPorts, agentArgv } from './agent-argv.js';
export {
  freePorts,
  LocalCluster,
  type LocalClusterOptions,
  LocalServer,
  type NodeStatus,
  waitUntil,
} from './local.js';
export { CLI, NodeProcess, type NodeProcessOptions } from './node-process.js';
export { AgentProcess, RegistryCluster, type RegistryClusterOptions } from './registry.js';

export {
  freePorts,
  LocalCluster,
  type LocalClusterOptions,
  LocalServer,
  type NodeStatus,
  waitUntil,
} from './local.js';
export { AgentProcess, RegistryCluster, type RegistryClusterOptions } from './registry.js';

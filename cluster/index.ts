export {
  freePorts,
  LocalCluster,
  type LocalClusterOptions,
  LocalServer,
  type NodeStatus,
  waitUntil,
} from './local.js';

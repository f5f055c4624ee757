/** What the benchmarks in scripts/bench share: import it from here, not from the modules behind it. */
export { CairnServers, type CairnServersOptions } from './cairn.js';
export { killChildren, type Ran, run, trackChild } from './children.js';
export {
  type BenchOutput,
  type BooleanFlag,
  benchOutput,
  type FlagValues,
  intFlag,
  parseFlags,
  type StringFlag,
} from './cli.js';
export { checkEtcdPortsFree, EtcdCluster, etcdVersion, prepareEtcd } from './etcd.js';
export { quantile, round, sumIfAllKnown } from './figures.js';
export { DEFAULT_HARNESS_DIR, requireHarnessFiles } from './harness.js';
export { cpuSeconds, cpuSpent, machineBusySeconds } from './proc-stat.js';
export { stopOnSignals } from './signals.js';
export { sleep, withTimeout } from './timing.js';

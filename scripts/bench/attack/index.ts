/** The attacks of `npm run bench:attack`, the load that runs beside them and what is observed. */
export { halfOpen, hugeFrame, joinHijack, randomGarbage } from './cluster-port.js';
export { dnsAmplification, dnsTcpStall } from './dns.js';
export { hostileFilters } from './filter.js';
export { idleHttp, slowloris } from './http.js';
export { call } from './http-call.js';
export { type LoadFigures, NORMAL_SOURCE } from './load.js';
export { loadOnThread } from './load-thread.js';
export { grown, listenOverflows, loadAverage, rssMiB, scrape } from './observe.js';
export type { Attack, AttackContext, AttackerFigures, Target } from './types.js';

/**
 * The DNS interface (UDP and TCP): `<service>.service.<domain>` and the other Consul name forms,
 * answered from the local state by a pure answer builder.
 */
export {
  type AnswerConfig,
  type AnswerContext,
  type AnswerSet,
  type AnswerUnit,
  buildAnswer,
  type DnsQuestion,
  type OrderedPart,
  orderAnswer,
  type PreparedAnswer,
  prepareAnswer,
  type Rcode,
} from './answer.js';
export { answerConfig, CONSUL_DOMAIN, DEFAULT_DOMAIN, type DnsSettings, normalizeDomain } from './config.js';
export {
  ADVERTISED_UDP_SIZE,
  fitToSize,
  handleQuery,
  PreparedCache,
  type Reply,
  type Transport,
  UDP_DEFAULT_SIZE,
} from './message.js';
export { type DnsName, encodeAddrLabel, type ParsedName, parseName } from './names.js';
export { type DnsStrategy, orderInstances, shuffle, strategyOf, weightedShuffle } from './order.js';
export { type DnsQueryObserver, DnsServer, type DnsServerOptions } from './server.js';
export { type DnsInstance, type DnsView, type NameServer, StateView, type StateViewOptions } from './view.js';

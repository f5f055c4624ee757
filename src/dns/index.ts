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
export {
  answerConfig,
  CONSUL_DOMAIN,
  DEFAULT_DOMAIN,
  DEFAULT_UDP_ANSWER_LIMIT,
  DNS_SERVER_DEFAULTS,
  type DnsSettings,
  isUdpAnswerLimit,
  MAX_UDP_ANSWER_LIMIT,
  MIN_UDP_ANSWER_LIMIT,
  normalizeDomain,
} from './config.js';
export { ConnectionSlots, type SlotRefusal } from './connection-slots.js';
export {
  ADVERTISED_UDP_SIZE,
  bareReply,
  fitToSize,
  handleQuery,
  PreparedCache,
  type Reply,
  type Transport,
  UDP_DEFAULT_SIZE,
  udpLimit,
} from './message.js';
export {
  type DnsName,
  encodeAddrLabel,
  type ParsedName,
  parseName,
  REVERSE_ZONES,
  reverseName,
} from './names.js';
export { type DnsStrategy, orderInstances, shuffle, strategyOf, weightedShuffle } from './order.js';
export { SourceRateLimiter } from './rate-limit.js';
export {
  type DnsLimitReason,
  type DnsQueryObserver,
  DnsServer,
  type DnsServerOptions,
} from './server.js';
export {
  type AddressOwners,
  type DnsInstance,
  type DnsView,
  type NameServer,
  type ReverseIndex,
  StateView,
  type StateViewOptions,
} from './view.js';

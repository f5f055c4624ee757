/** DNS tests use the shared dev agent (its DNS port and `dig`) and dig's parser. */
export { DevAgent as DnsAgent } from '../support/agent.js';
export { type Dig, dig, parseDig } from '../support/dig.js';

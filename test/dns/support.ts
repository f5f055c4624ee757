import type { Answer } from 'dns-packet';
import { BalancerState } from '../../src/balance/index.js';
import {
  type AnswerConfig,
  type AnswerContext,
  type AnswerSet,
  answerConfig,
  buildAnswer,
  StateView,
} from '../../src/dns/index.js';
import { encodeCommand, type HealthStatus, RegistryState, type ServiceSpec } from '../../src/state/index.js';
import { mulberry32, nodeSpec, serviceSpec, ttlCheck } from '../state/support.js';

export { mulberry32 };

/** The registry of a unit test, built through the state machine's own commands. */
export class Registry {
  readonly state = new RegistryState();
  private index = 0;

  /** Registers `id` of service `name` on `node` (created at `nodeAddress`) with one check of `status`. */
  add(
    node: string,
    id: string,
    name: string,
    status: HealthStatus = 'passing',
    over: Partial<ServiceSpec> = {},
    nodeAddress = `10.0.0.${Number(node.replace(/\D/g, '') || 0) + 1}`,
  ): this {
    this.apply({
      type: 'register',
      at: 1_000,
      node: nodeSpec(node, { address: nodeAddress, meta: { rack: `r-${node}` } }),
      skipNodeUpdate: false,
      service: serviceSpec(id, name, over),
      checks: [ttlCheck(`check-${id}`, id, { status })],
      replaceExistingChecks: false,
    });
    return this;
  }

  /** Sets the status of the check of instance `id` on `node`. */
  status(node: string, id: string, status: HealthStatus): this {
    this.apply({
      type: 'checkStatus',
      at: 2_000,
      updates: [{ node, checkId: `check-${id}`, status, output: '' }],
    });
    return this;
  }

  /** A node-level check: its status decides every service on the node. */
  nodeCheck(node: string, status: HealthStatus): this {
    this.apply({
      type: 'register',
      at: 1_000,
      node: nodeSpec(node, { address: this.state.catalog.node(node)?.address ?? '10.0.0.1' }),
      skipNodeUpdate: true,
      service: null,
      checks: [ttlCheck(`node-${node}`, '', { status })],
      replaceExistingChecks: false,
    });
    return this;
  }

  private apply(cmd: Parameters<typeof encodeCommand>[0]): void {
    const r = this.state.apply(encodeCommand(cmd), ++this.index);
    if (!r.ok) throw new Error(`apply failed: ${JSON.stringify(r)}`);
  }

  view(): StateView {
    return new StateView(this.state, { self: { name: 's1', address: '10.9.9.9' } });
  }
}

export function config(over: Partial<AnswerConfig> = {}): AnswerConfig {
  return { ...answerConfig({}, 'dc1', 0), ...over };
}

export function context(seed = 1, balancer = new BalancerState()): AnswerContext {
  return { balancer, random: mulberry32(seed), now: 1_700_000_000_000, clientKey: '192.0.2.1' };
}

/** Asks the pure builder one question. */
export function ask(
  reg: Registry,
  name: string,
  type: string,
  over: Partial<AnswerConfig> = {},
  ctx: AnswerContext = context(),
): AnswerSet {
  return buildAnswer({ name, type }, reg.view(), config(over), ctx);
}

export function records(set: AnswerSet): Answer[] {
  return set.answers.map((u) => u.record);
}

/** The data of the answer records, in order. */
export function datas(set: AnswerSet): unknown[] {
  return records(set).map((r) => ('data' in r ? r.data : null));
}

/**
 * The answer builder: a pure function of (question, registry snapshot, options) that decides
 * the rcode and the records, in two steps: prepareAnswer (everything that only changes with the
 * registry) and orderAnswer (the per-query order, from the context's random source and round-robin
 * state). The wire (EDNS0, sizes, truncation, encoding) is in message.ts.
 */
import type { Answer } from 'dns-packet';
import { instancePriority, instanceWeight, protectionThreshold, selectHealthy } from '../state/index.js';
import { encodeAddrLabel, isEncodableName, parseIPv4, parseIPv6, parseName } from './names.js';
import { type DnsStrategy, type OrderContext, orderInstances, srvPriorityOf, strategyOf } from './order.js';
import type { AddressOwners, DnsInstance, DnsView } from './view.js';

export type Rcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED';

export interface DnsQuestion {
  /** As asked (any case, with or without the trailing dot); answers are owned by it. */
  readonly name: string;
  /** Record type name as dns-packet spells it (`A`, `SRV`, `ANY`, `UNKNOWN_99`, ...). */
  readonly type: string;
}

/** The server's settings that shape answers. */
export interface AnswerConfig {
  /** Lower case, no trailing dot, e.g. `['cairn', 'consul']`. */
  readonly domains: readonly string[];
  readonly datacenter: string;
  /** TTL (s) of node, addr, NS and SOA records and of negative answers (SOA minimum). */
  readonly ttl: number;
  /** TTL (s) of service answers and their additional records. */
  readonly serviceTtl: number;
  /** At most this many answers to a service or node query (0 = no limit); not a truncation. */
  readonly answerLimit: number;
  /** Leave out warning instances too (by default only critical ones are left out). */
  readonly onlyPassing: boolean;
  /** The server's default protection threshold (`Meta.protection_threshold` wins). */
  readonly protectionThreshold: number;
  /**
   * Largest UDP reply in bytes, whatever EDNS0 size the client advertises (512..65535): a small
   * spoofed query must not buy a large reply. What does not fit is cut with TC set.
   */
  readonly udpAnswerLimit: number;
}

/** What changes from one query to the next. */
export interface AnswerContext extends OrderContext {
  /** Milliseconds since the epoch: the SOA serial of answers prepared now. */
  readonly now: number;
}

/** One answer record with the additional records it needs (an SRV target's address, NS glue). */
export interface AnswerUnit {
  readonly record: Answer;
  readonly additionals: readonly Answer[];
}

export interface AnswerSet {
  readonly rcode: Rcode;
  /** In our domain: set the AA bit. */
  readonly authoritative: boolean;
  readonly answers: readonly AnswerUnit[];
  readonly authorities: readonly Answer[];
}

/** The instances whose records each query orders afresh. */
export interface OrderedPart {
  readonly strategy: DnsStrategy;
  /** Names the round-robin position (service and tag). */
  readonly group: string;
  /** In catalog order; only those with a record of the asked type. */
  readonly entries: readonly DnsInstance[];
  readonly units: ReadonlyMap<DnsInstance, AnswerUnit>;
  /** Entries with the same key give the same record: only the first in the order is answered. */
  readonly keys: ReadonlyMap<DnsInstance, string>;
}

/**
 * Everything about an answer that depends only on the question, the registry and the
 * configuration: the same until the registry changes, so a server may keep it until then. Only the
 * order of `ordered` (and what the answer limit then keeps) is decided per query, by orderAnswer.
 */
export interface PreparedAnswer {
  readonly rcode: Rcode;
  readonly authoritative: boolean;
  readonly ordered: OrderedPart | null;
  /** Answered after the ordered ones, as they are. */
  readonly fixed: readonly AnswerUnit[];
  readonly authorities: readonly Answer[];
}

const REFUSED: PreparedAnswer = {
  rcode: 'REFUSED',
  authoritative: false,
  ordered: null,
  fixed: [],
  authorities: [],
};

/** Types answered for the names of a service. */
const ADDRESS_TYPES = new Set(['A', 'AAAA', 'ANY']);

/** The answer to one question: prepareAnswer, then orderAnswer. */
export function buildAnswer(
  q: DnsQuestion,
  view: DnsView,
  config: AnswerConfig,
  ctx: AnswerContext,
): AnswerSet {
  return orderAnswer(prepareAnswer(q, view, config, ctx.now), config, ctx);
}

/** Orders the per-query part of a prepared answer, drops repeated records, applies the answer limit. */
export function orderAnswer(p: PreparedAnswer, config: AnswerConfig, ctx: OrderContext): AnswerSet {
  if (p.ordered === null && (config.answerLimit === 0 || p.fixed.length <= config.answerLimit)) {
    return { rcode: p.rcode, authoritative: p.authoritative, answers: p.fixed, authorities: p.authorities };
  }
  const answers: AnswerUnit[] = [];
  if (p.ordered !== null) {
    const o = p.ordered;
    const seen = new Set<string>();
    for (const e of orderInstances(o.strategy, o.group, o.entries, ctx)) {
      const key = o.keys.get(e)!;
      if (seen.has(key)) continue;
      seen.add(key);
      answers.push(o.units.get(e)!);
    }
  }
  for (const u of p.fixed) answers.push(u);
  if (config.answerLimit > 0 && answers.length > config.answerLimit) answers.length = config.answerLimit;
  return { rcode: p.rcode, authoritative: p.authoritative, answers, authorities: p.authorities };
}

/** The deterministic part of the answer to `q` (see PreparedAnswer); `now` is the SOA serial. */
export function prepareAnswer(
  q: DnsQuestion,
  view: DnsView,
  config: AnswerConfig,
  now: number,
): PreparedAnswer {
  const parsed = parseName(q.name, config.domains);
  if (parsed === null) return REFUSED;
  const owner = q.name.endsWith('.') ? q.name.slice(0, -1) : q.name;
  const name = parsed.name;
  // A reverse zone names its addresses in the configured domain, as Consul does.
  const b =
    name.kind === 'reverse'
      ? new Builder(owner, config.domains[0]!, view, config, now, parsed.domain)
      : new Builder(owner, parsed.domain, view, config, now);
  if (q.type === 'AXFR' || q.type === 'IXFR') return b.done('NOTIMP');
  switch (name.kind) {
    case 'apex':
      return b.apex(q.type);
    case 'unknown':
      return b.nxdomain();
    case 'service':
      if (!b.ourDatacenter(name.dc)) return b.nxdomain();
      return b.service(name.service, name.tag, q.type);
    case 'node':
      if (!b.ourDatacenter(name.dc)) return b.nxdomain();
      return b.node(name.node, q.type);
    case 'addr':
      if (!b.ourDatacenter(name.dc)) return b.nxdomain();
      return b.addr(name.ip, q.type);
    case 'reverse':
      return b.reverse(name.name, q.type);
  }
}

class Builder {
  private readonly fixed: AnswerUnit[] = [];
  private ordered: OrderedPart | null = null;
  private readonly glue = new Map<string, readonly Answer[]>();

  constructor(
    private readonly owner: string,
    private readonly domain: string,
    private readonly view: DnsView,
    private readonly config: AnswerConfig,
    private readonly now: number,
    /** The zone whose SOA negative answers carry: the domain, or the reverse zone asked about. */
    private readonly zone: string = domain,
  ) {}

  ourDatacenter(dc: string | null): boolean {
    return dc === null || dc === this.config.datacenter.toLowerCase();
  }

  done(rcode: Rcode): PreparedAnswer {
    const empty = this.fixed.length === 0 && (this.ordered === null || this.ordered.entries.length === 0);
    const negative = rcode === 'NXDOMAIN' || (rcode === 'NOERROR' && empty);
    return {
      rcode,
      authoritative: true,
      ordered: this.ordered !== null && this.ordered.entries.length > 0 ? this.ordered : null,
      fixed: this.fixed,
      authorities: negative ? [this.soa()] : [],
    };
  }

  nxdomain(): PreparedAnswer {
    this.fixed.length = 0;
    this.ordered = null;
    return this.done('NXDOMAIN');
  }

  // ---- the domain itself -----------------------------------------------------------------

  apex(type: string): PreparedAnswer {
    if (type === 'SOA' || type === 'ANY') this.fixed.push({ record: this.soa(), additionals: [] });
    if (type === 'NS' || type === 'ANY') {
      for (const ns of this.nameServers()) {
        this.fixed.push({
          record: { type: 'NS', name: this.owner, ttl: this.config.ttl, data: ns.target },
          additionals: this.addressRecords(ns.target, ns.address, this.config.ttl),
        });
      }
    }
    return this.done('NOERROR');
  }

  private nameServers(): { target: string; address: string }[] {
    const out: { target: string; address: string }[] = [];
    for (const s of this.view.nameServers()) {
      const target = this.nodeTarget(s.name);
      if (target !== null && s.address !== '') out.push({ target, address: s.address });
    }
    return out;
  }

  private soa(): Answer {
    const primary = this.nameServers()[0]?.target ?? `ns.${this.domain}`;
    return {
      type: 'SOA',
      name: this.zone,
      ttl: this.config.ttl,
      data: {
        mname: primary,
        rname: `hostmaster.${this.domain}`,
        serial: Math.floor(this.now / 1000) >>> 0,
        refresh: 3600,
        retry: 600,
        expire: 86400,
        minimum: this.config.ttl,
      },
    };
  }

  // ---- services ---------------------------------------------------------------------------

  service(service: string, tag: string | null, type: string): PreparedAnswer {
    const all = this.view
      .service(service)
      .filter((e) => tag === null || e.instance.tags.some((t) => t.toLowerCase() === tag));
    const threshold = protectionThreshold(
      all.map((e) => e.instance),
      this.config.protectionThreshold,
    );
    const { chosen } = selectHealthy(all, !this.config.onlyPassing, threshold);
    const usable = chosen.filter((e) => e.address !== '');
    if (usable.length === 0) return this.nxdomain();
    const ttl = this.config.serviceTtl;
    const strategy = strategyOf(all);
    const units = new Map<DnsInstance, AnswerUnit>();
    const keys = new Map<DnsInstance, string>();
    let entries: DnsInstance[] = [];
    if (type === 'SRV') {
      for (const e of usable) {
        const target = this.srvTarget(e);
        if (target === null) continue;
        entries.push(e);
        keys.set(e, `${target}:${e.instance.port}`);
        units.set(e, {
          record: {
            type: 'SRV',
            name: this.owner,
            ttl,
            data: {
              priority: strategy === 'priority' ? srvPriorityOf(e) : 1,
              weight: srvWeight(e),
              port: e.instance.port,
              target,
            },
          },
          additionals: this.addressRecords(target, e.address, ttl),
        });
      }
    } else if (ADDRESS_TYPES.has(type)) {
      for (const e of usable) {
        const record = this.addressRecord(this.owner, e.address, ttl, type);
        if (record === null) continue;
        entries.push(e);
        keys.set(e, e.address);
        units.set(e, { record, additionals: [] });
      }
      // Address records cannot carry a priority: only the most preferred group that has any.
      if (strategy === 'priority') entries = primaryGroup(entries);
      if (type === 'ANY')
        this.pushTxt(
          usable.map((e) => e.instance.meta),
          ttl,
        );
    } else if (type === 'TXT') {
      this.pushTxt(
        usable.map((e) => e.instance.meta),
        ttl,
      );
    }
    this.ordered = { strategy, group: `${service}|${tag ?? ''}`, entries, units, keys };
    return this.done('NOERROR');
  }

  /** `<node>.node.<dc>.<domain>` for an instance at its node's address, else `<hex>.addr.<dc>.<domain>`. */
  private srvTarget(e: DnsInstance): string | null {
    if (e.nodeAddress) {
      const t = this.nodeTarget(e.instance.node);
      if (t !== null) return t;
    }
    const hex = encodeAddrLabel(e.address);
    if (hex !== null) return `${hex}.addr.${this.config.datacenter}.${this.domain}`;
    // A host name: the client resolves it.
    const host = e.address.endsWith('.') ? e.address.slice(0, -1) : e.address;
    return isEncodableName(host) ? host : null;
  }

  private nodeTarget(node: string): string | null {
    const t = `${node}.node.${this.config.datacenter}.${this.domain}`;
    return /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(node) && isEncodableName(t) ? t : null;
  }

  // ---- nodes and addresses ------------------------------------------------------------------

  node(name: string, type: string): PreparedAnswer {
    const node = this.view.node(name);
    if (!node) return this.nxdomain();
    const ttl = this.config.ttl;
    if (ADDRESS_TYPES.has(type)) {
      const record = this.addressRecord(this.owner, node.address, ttl, type);
      if (record) this.fixed.push({ record, additionals: [] });
    }
    if (type === 'TXT' || type === 'ANY') this.pushTxt([node.meta], ttl);
    return this.done('NOERROR');
  }

  addr(ip: string, type: string): PreparedAnswer {
    const record = this.addressRecord(this.owner, ip, this.config.ttl, type);
    if (record) this.fixed.push({ record, additionals: [] });
    return this.done('NOERROR');
  }

  // ---- reverse zones (PTR) ------------------------------------------------------------------

  /**
   * `name` under a reverse zone: a node's address gives `<node>.node.<dc>.<domain>`, else an
   * instance's own address gives `<service>.service.<dc>.<domain>` (one name, as Consul: the first
   * node, else the first service, by name). Health does not matter: the address still belongs to
   * them. An address nobody has is NXDOMAIN.
   */
  reverse(name: string, type: string): PreparedAnswer {
    const index = this.view.reverse();
    const owners = index.owners.get(name);
    if (owners === undefined) {
      if (name !== this.zone && !index.ancestors.has(name)) return this.nxdomain();
      if (name === this.zone && (type === 'SOA' || type === 'ANY')) {
        this.fixed.push({ record: this.soa(), additionals: [] });
      }
      return this.done('NOERROR');
    }
    if (type === 'PTR' || type === 'ANY') {
      const ptr = this.ptrTarget(owners);
      if (ptr !== null) {
        this.fixed.push({
          record: { type: 'PTR', name: this.owner, ttl: ptr.ttl, data: ptr.target },
          additionals: [],
        });
      }
    }
    return this.done('NOERROR');
  }

  private ptrTarget(owners: AddressOwners): { target: string; ttl: number } | null {
    for (const node of owners.nodes) {
      const target = this.nodeTarget(node);
      if (target !== null) return { target, ttl: this.config.ttl };
    }
    for (const service of owners.services) {
      const target = `${service}.service.${this.config.datacenter}.${this.domain}`;
      // A service name that is not one label could not be asked for again.
      if (/^[A-Za-z0-9_-]+$/.test(service) && isEncodableName(target)) {
        return { target, ttl: this.config.serviceTtl };
      }
    }
    return null;
  }

  // ---- records ----------------------------------------------------------------------------

  /** An A or AAAA record for `address` if it is of the asked type (ANY takes either), else null. */
  private addressRecord(name: string, address: string, ttl: number, type: string): Answer | null {
    if ((type === 'A' || type === 'ANY') && parseIPv4(address))
      return { type: 'A', name, ttl, data: address };
    if ((type === 'AAAA' || type === 'ANY') && parseIPv6(address))
      return { type: 'AAAA', name, ttl, data: address };
    return null;
  }

  /** The additional records for a target: one list per target, so that the wire can tell repeats by identity. */
  private addressRecords(name: string, address: string, ttl: number): readonly Answer[] {
    const key = `${name}|${address}`;
    let list = this.glue.get(key);
    if (list === undefined) {
      const r = this.addressRecord(name, address, ttl, 'ANY');
      list = r ? [r] : [];
      this.glue.set(key, list);
    }
    return list;
  }

  /** One TXT record per distinct `key=value` of the metas (RFC 1464; `rfc1035-` keys give the value alone). */
  private pushTxt(metas: readonly Readonly<Record<string, string>>[], ttl: number): void {
    const seen = new Set<string>();
    for (const meta of metas) {
      for (const [k, v] of Object.entries(meta)) {
        const text = k.startsWith('rfc1035-') ? v : `${k}=${v}`;
        if (seen.has(text)) continue;
        seen.add(text);
        this.fixed.push({
          record: { type: 'TXT', name: this.owner, ttl, data: txtStrings(text) },
          additionals: [],
        });
      }
    }
  }
}

/** The entries of the lowest `Meta.priority` present. */
function primaryGroup(entries: readonly DnsInstance[]): DnsInstance[] {
  let best = Number.POSITIVE_INFINITY;
  for (const e of entries) best = Math.min(best, instancePriority(e.instance));
  return entries.filter((e) => instancePriority(e.instance) === best);
}

/** SRV weight is 16 bits: the instance's weight for its status, clamped. */
function srvWeight(e: DnsInstance): number {
  const w = instanceWeight(e.instance, e.status);
  return Number.isFinite(w) ? Math.min(Math.max(Math.round(w), 0), 65535) : 0;
}

/** A TXT record's character-strings hold at most 255 bytes each: longer text is split. */
function txtStrings(text: string): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return [Buffer.alloc(0)];
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) out.push(bytes.subarray(i, i + 255));
  return out;
}

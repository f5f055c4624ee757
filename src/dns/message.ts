/**
 * One DNS message in, one out: decoding and validation, EDNS0, fitting the answer into the
 * transport's size (TC when it does not fit) and the wire format. Records are encoded by
 * dns-packet, each once (answers prepared for a registry version are kept by PreparedCache, and
 * their encodings with them); a reply is then the header, the question as it came, and those bytes.
 * Pure apart from the round-robin positions in the context; the sockets are in server.ts.
 */
import dnsPacket, { type Answer } from 'dns-packet';
import {
  type AnswerConfig,
  type AnswerContext,
  type AnswerSet,
  orderAnswer,
  type PreparedAnswer,
  prepareAnswer,
  type Rcode,
} from './answer.js';
import { parseName } from './names.js';
import type { DnsView } from './view.js';

export type Transport = 'udp' | 'tcp';

export interface Reply {
  readonly bytes: Buffer;
  /** The response code, `BADVERS` for an EDNS version we do not speak. */
  readonly rcode: Rcode | 'BADVERS';
  /** The question's type (`A`, `SRV`, ..., `OTHER`), or `NONE` when there was no usable question. */
  readonly qtype: string;
  /** Answers were left out to fit the size limit (TC is set). */
  readonly truncated: boolean;
  /** Truncated by the server's UDP answer limit, where the client's EDNS0 size would have allowed more. */
  readonly capped?: boolean;
}

/** Without EDNS0 a UDP answer fits 512 bytes (RFC 1035); with it, what the client advertises. */
export const UDP_DEFAULT_SIZE = 512;
/** The payload size cairn advertises in its own OPT record. */
export const ADVERTISED_UDP_SIZE = 4096;
const MAX_MESSAGE = 65535;

const QR = 0x8000;
const OPCODE_MASK = 0x7800;
const AA = 0x0400;
const TC = 0x0200;
const RD = 0x0100;
const RCODES: Record<Rcode, number> = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
};
const TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  251: 'IXFR',
  252: 'AXFR',
  255: 'ANY',
};
const CLASS_IN = 1;
const CLASS_ANY = 255;
const TYPE_OPT = 41;

// dns-packet's per-record codec is exported at run time but missing from its types.
const recordCodec = (dnsPacket as unknown as { answer: { encode(a: Answer): Buffer } }).answer;

/**
 * Prepared answers of one registry version, by question; dropped when the version changes. What
 * is left per query is ordering and copying bytes.
 */
export class PreparedCache {
  private version = -1;
  private entries = new Map<string, PreparedAnswer>();

  constructor(private readonly maxEntries = 10_000) {}

  get(version: number, key: string, prepare: () => PreparedAnswer): PreparedAnswer {
    if (version !== this.version) {
      this.version = version;
      this.entries = new Map();
    }
    let p = this.entries.get(key);
    if (p === undefined) {
      p = prepare();
      // Bounded: a flood of random names must not grow it without limit.
      if (this.entries.size < this.maxEntries) this.entries.set(key, p);
    }
    return p;
  }
}

interface RawQuestion {
  /** The question section's bytes, echoed as they came. */
  readonly bytes: Buffer;
  /** The name as text, or null if a label cannot be written back as text (bytes that are not UTF-8, a dot). */
  readonly name: string | null;
  readonly type: number;
  readonly klass: number;
}

interface Edns {
  readonly udpPayloadSize: number;
  readonly version: number;
}

/**
 * Answers one query message. null: nothing to answer (too short for a header, or itself a response;
 * answering those could start a loop or reflect garbage).
 */
export function handleQuery(
  msg: Buffer,
  transport: Transport,
  view: DnsView,
  config: AnswerConfig,
  ctx: AnswerContext,
  cache?: PreparedCache,
): Reply | null {
  if (msg.length < 12) return null;
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  if (flags & QR) return null;
  const baseFlags = (flags & (OPCODE_MASK | RD)) | QR;
  const formerr = (): Reply => ({
    bytes: assemble(id, baseFlags | RCODES.FORMERR, null, [], [], [], null),
    rcode: 'FORMERR',
    qtype: 'NONE',
    truncated: false,
  });

  const qdcount = msg.readUInt16BE(4);
  const others = msg.readUInt16BE(6) + msg.readUInt16BE(8) + msg.readUInt16BE(10);
  if (qdcount !== 1) return formerr();
  const q = readQuestion(msg);
  if (q === null) return formerr();
  // A plain query is read above; anything more (EDNS0, other records) is decoded by dns-packet.
  let edns: Edns | null = null;
  if (others > 0) {
    let decoded: ReturnType<typeof dnsPacket.decode>;
    try {
      decoded = dnsPacket.decode(msg);
    } catch {
      return formerr();
    }
    // EDNS0: at most one OPT, owned by the root.
    const opts = (decoded.additionals ?? []).filter((a) => a.type === 'OPT');
    if (opts.length > 1 || (opts[0] !== undefined && opts[0].name !== '.')) return formerr();
    const opt = opts[0] as { udpPayloadSize: number; ednsVersion: number } | undefined;
    if (opt) edns = { udpPayloadSize: opt.udpPayloadSize, version: opt.ednsVersion };
  }
  const qtype = TYPE_NAMES[q.type] ?? `UNKNOWN_${q.type}`;
  const metricType = TYPE_NAMES[q.type] ?? 'OTHER';

  const reply = (rcode: Rcode | 'BADVERS', set: AnswerSet | null): Reply => {
    const limit = transport === 'tcp' ? MAX_MESSAGE : udpLimit(edns, config.udpAnswerLimit);
    const opt = edns ? (rcode === 'BADVERS' ? OPT_BADVERS : OPT_PLAIN) : null;
    const headerRcode = rcode === 'BADVERS' ? 0 : RCODES[rcode];
    const fitted = fitToSize(set, 12 + q.bytes.length + (opt ? opt.length : 0), limit);
    const f = baseFlags | headerRcode | (set?.authoritative ? AA : 0) | (fitted.truncated ? TC : 0);
    return {
      bytes: assemble(id, f, q.bytes, fitted.answers, fitted.authorities, fitted.additionals, opt),
      rcode,
      qtype: metricType,
      truncated: fitted.truncated,
      capped: fitted.truncated && transport === 'udp' && edns !== null && edns.udpPayloadSize > limit,
    };
  };

  if ((flags & OPCODE_MASK) !== 0) return reply('NOTIMP', null);
  if (edns && edns.version !== 0) return reply('BADVERS', null);
  if (q.klass !== CLASS_IN && q.klass !== CLASS_ANY) return reply('REFUSED', null);
  let prepared: PreparedAnswer;
  if (q.name === null) {
    // Not text, so no name of ours: NXDOMAIN if it ends in our domain, else REFUSED.
    const parsed = parseName(textTail(q.bytes), config.domains);
    prepared = prepareAnswer(
      { name: parsed ? `-.${parsed.domain}` : '.', type: qtype },
      view,
      config,
      ctx.now,
    );
  } else {
    const name = q.name;
    const prepare = () => prepareAnswer({ name, type: qtype }, view, config, ctx.now);
    prepared = cache ? cache.get(view.version, `${name.toLowerCase()}|${qtype}`, prepare) : prepare();
  }
  return reply(prepared.rcode, orderAnswer(prepared, config, ctx));
}

/**
 * The largest UDP reply for a query: 512 without EDNS0 (RFC 1035), else the client's advertised
 * size (never below 512), and in either case at most the server's cap.
 */
export function udpLimit(edns: { readonly udpPayloadSize: number } | null, cap: number): number {
  const asked = edns ? Math.max(edns.udpPayloadSize, UDP_DEFAULT_SIZE) : UDP_DEFAULT_SIZE;
  return Math.min(asked, cap, MAX_MESSAGE);
}

/** Parses the one question ourselves, to echo its bytes exactly and to read the labels as sent. */
function readQuestion(msg: Buffer): RawQuestion | null {
  let off = 12;
  const labels: string[] = [];
  let text = true;
  while (true) {
    if (off >= msg.length) return null;
    const len = msg[off]!;
    if (len === 0) break;
    // A compression pointer has nothing before it to point to in a query's first name.
    if (len & 0xc0) return null;
    if (off + 1 + len > msg.length) return null;
    const label = msg.toString('utf8', off + 1, off + 1 + len);
    if (label.includes('.') || Buffer.byteLength(label) !== len) text = false;
    labels.push(label);
    off += 1 + len;
  }
  const end = off + 1 + 4;
  if (end > msg.length || end - 12 > 255 + 4) return null;
  return {
    bytes: Buffer.from(msg.subarray(12, end)),
    name: text ? (labels.length === 0 ? '.' : labels.join('.')) : null,
    type: msg.readUInt16BE(off + 1),
    klass: msg.readUInt16BE(off + 3),
  };
}

/** The longest run of plain text labels at the end of a question name (to find its domain). */
function textTail(question: Buffer): string {
  const labels: string[] = [];
  for (let off = 0; question[off]! !== 0; off += 1 + question[off]!) {
    labels.push(question.subarray(off + 1, off + 1 + question[off]!).toString('latin1'));
  }
  let i = labels.length;
  while (i > 0 && /^[\x21-\x2d\x2f-\x7e]+$/.test(labels[i - 1]!)) i--;
  return labels.slice(i).join('.');
}

// ---- records as bytes ---------------------------------------------------------------------

/** An OPT record: root owner, our payload size, the extended rcode's upper bits, version 0. */
function optRecord(extendedRcode: number): Buffer {
  const b = Buffer.alloc(11);
  b.writeUInt16BE(TYPE_OPT, 1);
  b.writeUInt16BE(ADVERTISED_UDP_SIZE, 3);
  b.writeUInt8(extendedRcode, 5);
  return b;
}
const OPT_PLAIN = optRecord(0);
/** BADVERS is 16: upper bits 1 in the OPT record, 0 in the header. */
const OPT_BADVERS = optRecord(1);

/** Answer records are owned by the question: their owner is a pointer to it (offset 12). */
const answerBytes = new WeakMap<Answer, Buffer>();
const fullBytes = new WeakMap<Answer, Buffer>();

function encodeAnswer(a: Answer): Buffer {
  let b = answerBytes.get(a);
  if (b === undefined) {
    // Encoded with the root as owner (one zero byte), which the two-byte pointer replaces.
    const rooted = recordCodec.encode({ ...a, name: '.' } as Answer);
    b = Buffer.allocUnsafe(rooted.length + 1);
    b[0] = 0xc0;
    b[1] = 0x0c;
    rooted.copy(b, 2, 1);
    answerBytes.set(a, b);
  }
  return b;
}

function encodeFull(a: Answer): Buffer {
  let b = fullBytes.get(a);
  if (b === undefined) {
    b = recordCodec.encode(a);
    fullBytes.set(a, b);
  }
  return b;
}

interface Fitted {
  readonly answers: Buffer[];
  readonly authorities: Buffer[];
  readonly additionals: Buffer[];
  readonly truncated: boolean;
}

/**
 * Keeps answers in order while the message stays within `limit` bytes: each with the additional
 * records it needs (not repeated), or not at all. Authority records go first when space runs out.
 */
export function fitToSize(set: AnswerSet | null, fixed: number, limit: number): Fitted {
  if (set === null) return { answers: [], authorities: [], additionals: [], truncated: false };
  const answers: Buffer[] = [];
  const additionals: Buffer[] = [];
  const seen = new Set<Buffer>();
  let size = fixed;
  let truncated = false;
  for (const unit of set.answers) {
    const record = encodeAnswer(unit.record);
    let need = record.length;
    const fresh: Buffer[] = [];
    // The answer builder hands out one record object per target, so a repeat is the same object.
    for (const a of unit.additionals) {
      const b = encodeFull(a);
      if (seen.has(b) || fresh.includes(b)) continue;
      fresh.push(b);
      need += b.length;
    }
    if (size + need > limit) {
      truncated = true;
      break;
    }
    size += need;
    answers.push(record);
    for (const b of fresh) {
      seen.add(b);
      additionals.push(b);
    }
  }
  let authorities: Buffer[] = [];
  if (set.authorities.length > 0) {
    const encoded = set.authorities.map(encodeFull);
    const authSize = encoded.reduce((n, b) => n + b.length, 0);
    if (size + authSize <= limit) authorities = encoded;
    else if (answers.length === 0) truncated = true;
  }
  return { answers, authorities, additionals, truncated };
}

/**
 * A header-only reply with `rcode` and the query's id, opcode and RD (no question: there may be
 * none that could be read), or null if `msg` is not a query at all.
 */
export function bareReply(msg: Buffer, rcode: 'SERVFAIL' | 'REFUSED'): Reply | null {
  if (msg.length < 12 || msg[2]! & 0x80) return null;
  const out = Buffer.alloc(12);
  out.writeUInt16BE(msg.readUInt16BE(0), 0);
  out.writeUInt16BE(QR | (msg.readUInt16BE(2) & (OPCODE_MASK | RD)) | RCODES[rcode], 2);
  return { bytes: out, rcode, qtype: 'NONE', truncated: false };
}

function assemble(
  id: number,
  flags: number,
  question: Buffer | null,
  answers: readonly Buffer[],
  authorities: readonly Buffer[],
  additionals: readonly Buffer[],
  opt: Buffer | null,
): Buffer {
  let size = 12 + (question?.length ?? 0) + (opt?.length ?? 0);
  for (const b of answers) size += b.length;
  for (const b of authorities) size += b.length;
  for (const b of additionals) size += b.length;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt16BE(id, 0);
  out.writeUInt16BE(flags & 0xffff, 2);
  out.writeUInt16BE(question ? 1 : 0, 4);
  out.writeUInt16BE(answers.length, 6);
  out.writeUInt16BE(authorities.length, 8);
  out.writeUInt16BE(additionals.length + (opt ? 1 : 0), 10);
  let off = 12;
  if (question) off += question.copy(out, off);
  for (const b of answers) off += b.copy(out, off);
  for (const b of authorities) off += b.copy(out, off);
  for (const b of additionals) off += b.copy(out, off);
  if (opt) opt.copy(out, off);
  return out;
}

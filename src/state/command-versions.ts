/**
 * What a server may do with a replicated command it reads from the log. In a
 * mixed-version cluster (every rolling upgrade) a newer server may write a
 * command an older one does not understand; skipping it would let the two
 * state machines diverge without a trace, so an unknown command stops the
 * server instead, unless its writer marked it safe to skip.
 *
 * Two optional fields travel in a command's MessagePack map beside `type`
 * (absent in every command written so far, so old logs read as before):
 * - `rev`: the revision of that type's encoding (absent: 1). A change to what
 *   a type means, such as a new field an older server would silently ignore,
 *   gets a new revision, and a server refuses revisions above the ones it knows.
 * - `ignoreIfUnknown`: true on a command whose writer declares that a server
 *   not knowing it may skip it (Consul's IgnoreUnknownTypeFlag): only for
 *   advisory commands whose absence changes no answer that must agree.
 */
import type { CommandType } from './commands.js';

export interface CommandVersion {
  /** The highest revision of the type this version applies. */
  readonly rev: number;
  /** Whether this version writes the type marked `ignoreIfUnknown`. */
  readonly ignoreIfUnknown: boolean;
}

/**
 * Every command type this version knows. Append-only: a type's name never
 * changes meaning, and a revision, once released, never changes encoding.
 */
export const COMMAND_VERSIONS: Readonly<Record<CommandType, CommandVersion>> = {
  memberUpsert: { rev: 1, ignoreIfUnknown: false },
  memberLeft: { rev: 1, ignoreIfUnknown: false },
  register: { rev: 1, ignoreIfUnknown: false },
  deregisterService: { rev: 1, ignoreIfUnknown: false },
  deregisterCheck: { rev: 1, ignoreIfUnknown: false },
  deregisterNode: { rev: 1, ignoreIfUnknown: false },
  checkStatus: { rev: 1, ignoreIfUnknown: false },
  reap: { rev: 1, ignoreIfUnknown: false },
  loads: { rev: 1, ignoreIfUnknown: false },
  kvSet: { rev: 1, ignoreIfUnknown: false },
  kvDelete: { rev: 1, ignoreIfUnknown: false },
  kvReap: { rev: 1, ignoreIfUnknown: false },
  txn: { rev: 1, ignoreIfUnknown: false },
  sessionCreate: { rev: 1, ignoreIfUnknown: false },
  sessionEnd: { rev: 1, ignoreIfUnknown: false },
  memberHttps: { rev: 1, ignoreIfUnknown: true },
};

/** The envelope fields a command map may carry besides its own. */
export interface CommandEnvelope {
  readonly rev?: number;
  readonly ignoreIfUnknown?: boolean;
}

/** The envelope this version writes for a type: nothing at revision 1 without the flag, so old encodings hold. */
export function envelopeFor(type: CommandType): CommandEnvelope {
  const v = COMMAND_VERSIONS[type];
  return {
    ...(v.rev > 1 ? { rev: v.rev } : {}),
    ...(v.ignoreIfUnknown ? { ignoreIfUnknown: true } : {}),
  };
}

/** What a command map asks of its reader, judged against what this version knows. */
export type Verdict =
  | { readonly kind: 'known' }
  /** Unknown, but its writer allows skipping it. */
  | { readonly kind: 'skip'; readonly reason: string }
  /** Unknown or malformed: applying anything after it could diverge. */
  | { readonly kind: 'fatal'; readonly reason: string };

/** Judges a decoded command map by its `type`, `rev` and `ignoreIfUnknown` fields. */
export function judge(map: Readonly<Record<string, unknown>>): Verdict {
  const { type, rev = 1, ignoreIfUnknown = false } = map;
  if (typeof type !== 'string') return { kind: 'fatal', reason: 'the command has no string "type" field' };
  if (typeof rev !== 'number' || !Number.isSafeInteger(rev) || rev < 1)
    return { kind: 'fatal', reason: `command "${type}" has a malformed revision ${JSON.stringify(rev)}` };
  if (typeof ignoreIfUnknown !== 'boolean')
    return { kind: 'fatal', reason: `command "${type}" has a malformed ignoreIfUnknown flag` };
  const known = Object.hasOwn(COMMAND_VERSIONS, type) ? COMMAND_VERSIONS[type as CommandType] : undefined;
  if (known && rev <= known.rev) return { kind: 'known' };
  const what = known
    ? `revision ${rev} of command "${type}" (this version knows up to ${known.rev})`
    : `unknown command type "${type}"`;
  return ignoreIfUnknown
    ? { kind: 'skip', reason: `${what}, marked ignoreIfUnknown` }
    : { kind: 'fatal', reason: `${what}: written by a newer version?` };
}

/**
 * Flags as `consul tls` takes them (Go's flag package): one dash or two, `-name value` or
 * `-name=value`, booleans as `-name` or `-name=true|false`, list flags repeated. Stricter than Go
 * where Go is silent: a single-valued flag given twice, or anything after the flags, is an error.
 * Pure; mistakes are UsageErrors starting with the command's name.
 */
import { UsageError } from '../errors.js';

export type FlagKind = 'boolean' | 'string' | 'list';
export type FlagSpec = Readonly<Record<string, FlagKind>>;
export type FlagValue = boolean | string | readonly string[];

export interface ParsedFlags {
  readonly help: boolean;
  readonly values: ReadonlyMap<string, FlagValue>;
}

const HELP = new Set(['h', 'help']);

export function parseFlags(command: string, argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const values = new Map<string, FlagValue>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      if (i + 1 < argv.length) throw new UsageError(`${command}: unexpected argument ${q(argv[i + 1])}`);
      break;
    }
    if (!arg.startsWith('-') || arg === '-')
      throw new UsageError(`${command}: unexpected argument ${q(arg)}`);
    const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    if (HELP.has(name) && inline === undefined) {
      help = true;
      continue;
    }
    const kind = spec[name];
    if (kind === undefined) throw new UsageError(`${command}: unknown flag ${q(`-${name}`)}`);
    if (kind === 'boolean') {
      if (values.has(name)) throw new UsageError(`${command}: -${name} given twice`);
      values.set(name, booleanValue(command, name, inline));
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`${command}: -${name} needs a value`);
      value = argv[++i]!;
    }
    if (kind === 'string') {
      if (values.has(name)) throw new UsageError(`${command}: -${name} given twice`);
      values.set(name, value);
    } else {
      const list = values.get(name);
      values.set(name, [...(Array.isArray(list) ? list : []), value]);
    }
  }
  return { help, values };
}

function booleanValue(command: string, name: string, inline: string | undefined): boolean {
  if (inline === undefined || inline === 'true') return true;
  if (inline === 'false') return false;
  throw new UsageError(`${command}: -${name} is a switch: give -${name} or -${name}=false, not ${q(inline)}`);
}

export function stringFlag(flags: ParsedFlags, name: string): string | undefined {
  const v = flags.values.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function booleanFlag(flags: ParsedFlags, name: string): boolean {
  return flags.values.get(name) === true;
}

export function listFlag(flags: ParsedFlags, name: string): readonly string[] {
  const v = flags.values.get(name);
  return Array.isArray(v) ? v : [];
}

/** Quoted so that odd input (spaces, line breaks) stays visible and on one line. */
function q(s: string | undefined): string {
  return JSON.stringify(s);
}

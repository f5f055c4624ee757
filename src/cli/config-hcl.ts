/**
 * HCL agent configuration files (Consul's `.hcl`), parsed before the flags are read: the HCL
 * parser (@cdktf/hcl2json, WebAssembly) answers asynchronously, while the flags are parsed
 * synchronously. Loaded only when a `.hcl` file is named, so a JSON configuration never pays for it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { UsageError } from './errors.js';

/** The `--config-file` values named in `argv` (`--config-file F` or `--config-file=F`). */
export function configFilesIn(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--config-file' && i + 1 < argv.length) out.push(argv[++i] as string);
    else if (a.startsWith('--config-file=')) out.push(a.slice('--config-file='.length));
  }
  return out;
}

/** Each `.hcl` configuration file named in `argv`, parsed into the JSON object it stands for. */
export async function preloadHclConfigs(
  argv: readonly string[],
  readFile = (p: string) => readFileSync(p, 'utf8'),
): Promise<ReadonlyMap<string, unknown>> {
  const out = new Map<string, unknown>();
  const files = configFilesIn(argv).filter((f) => f.endsWith('.hcl'));
  if (files.length === 0) return out;
  // Through require, as src/acl does: its DOM-flavoured type declarations stay out of our program.
  const loaded = createRequire(import.meta.url)('@cdktf/hcl2json') as {
    parse: (name: string, text: string) => Promise<unknown>;
  };
  const parse = loaded.parse;
  for (const f of files) {
    let text: string;
    try {
      text = readFile(f);
    } catch (e) {
      throw new UsageError(
        `--config-file: cannot read ${JSON.stringify(f)}: ${(e as Error).message.split('\n')[0]}`,
      );
    }
    try {
      out.set(f, await parse(f, text));
    } catch (e) {
      // "parse config: [FILE:LINE,COL-...: Summary; Detail]": keep it on one line.
      const message = String((e as Error).message ?? e).replace(/\s+/g, ' ');
      throw new UsageError(`--config-file: ${JSON.stringify(f)} is not valid HCL: ${message}`);
    }
  }
  return out;
}

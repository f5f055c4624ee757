import { createRequire } from 'node:module';
import { rulesFromDocument } from './document.js';
import { AclError } from './errors.js';
import { hclSyntaxError } from './hcl-errors.js';
import { checkRulesSize, isJsonRules, parseJsonRules } from './json-rules.js';
import type { Rule } from './types.js';

/**
 * The edge of the rules engine: HCL is parsed by HashiCorp's own parser compiled to WebAssembly
 * (@cdktf/hcl2json), which loads its module from disk on first use and answers asynchronously.
 * Policies are parsed when written, so the cost is paid once per policy, never per request.
 */
interface Hcl2Json {
  parse(filename: string, contents: string): Promise<unknown>;
}

let parser: Hcl2Json | undefined;

function hcl2json(): Hcl2Json {
  if (parser === undefined) {
    // Loaded through require so its DOM-flavoured type declarations stay out of our program.
    const loaded: unknown = createRequire(import.meta.url)('@cdktf/hcl2json');
    if (
      typeof loaded !== 'object' ||
      loaded === null ||
      !('parse' in loaded) ||
      typeof loaded.parse !== 'function'
    )
      throw new Error('@cdktf/hcl2json has no parse function');
    const parse = loaded.parse as (filename: string, contents: string) => Promise<unknown>;
    parser = { parse };
  }
  return parser;
}

/** Parses rules in Consul's HCL or JSON form; throws AclError naming the line and rule. */
export async function parseRules(text: string): Promise<Rule[]> {
  if (isJsonRules(text)) return parseJsonRules(text);
  checkRulesSize(text);
  if (text.trim() === '') return [];
  let doc: unknown;
  try {
    doc = await hcl2json().parse('rules.hcl', text);
  } catch (e) {
    if (e instanceof AclError) throw e;
    throw hclSyntaxError(e instanceof Error ? e.message : String(e));
  }
  return rulesFromDocument(doc, text, 'hcl');
}

import { rulesFromDocument } from './document.js';
import { ruleError } from './errors.js';
import { MAX_RULES_BYTES } from './limits.js';
import { lineOf } from './locate.js';
import type { Rule } from './types.js';

/** Whether rules text is Consul's JSON form rather than HCL (as Consul, by its first character). */
export function isJsonRules(text: string): boolean {
  return text.trimStart().startsWith('{');
}

/** Refuses text too large to parse, before any parser sees it. */
export function checkRulesSize(text: string): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_RULES_BYTES)
    throw ruleError(
      'ACL_RULES_TOO_LARGE',
      `the rules are ${bytes} bytes; a policy holds at most ${MAX_RULES_BYTES}`,
    );
}

/** Parses rules written in Consul's JSON form. */
export function parseJsonRules(text: string): Rule[] {
  checkRulesSize(text);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw ruleError('ACL_RULES_SYNTAX', `not valid JSON: ${message}`, jsonErrorLine(text, message));
  }
  return rulesFromDocument(doc, text, 'json');
}

/** V8 says "at position N" (Node 20) or "(line L column C)" (Node 22). */
function jsonErrorLine(text: string, message: string): number | undefined {
  const line = /\(line (\d+) column \d+\)/.exec(message);
  if (line?.[1] !== undefined) return Number(line[1]);
  const position = /at position (\d+)/.exec(message);
  if (position?.[1] !== undefined) return lineOf(text, Number(position[1]));
  // Text that ends too early fails on its last line.
  return /end of (JSON|data) input/i.test(message) ? lineOf(text, text.length) : undefined;
}

import { describe, expect, it } from 'vitest';
import { AGENT_OPTIONS } from '../../src/cli/agent-args.js';
import { AGENT_FLAG_HELP, agentHelp } from '../../src/cli/agent-help.js';

describe('cairn agent --help', () => {
  it('describes exactly the flags the parser takes', () => {
    expect(Object.keys(AGENT_FLAG_HELP).sort()).toEqual(Object.keys(AGENT_OPTIONS).sort());
  });

  it('prints one line per flag, with its argument and default', () => {
    const text = agentHelp();
    for (const name of Object.keys(AGENT_OPTIONS)) expect(text).toMatch(new RegExp(`^  --${name}\\b`, 'm'));
    expect(text).toMatch(/^ {2}--http-port N +the HTTP API; -1 turns it off \(default: 8500\)$/m);
    expect(text).toMatch(/^ {2}--dev +one server/m);
  });
});

#!/usr/bin/env node
import { runAgent } from './agent.js';
import { AGENT_USAGE, parseAgentArgs } from './agent-args.js';
import { UsageError } from './errors.js';

const USAGE = `usage: cairn <command> [options]

commands:
  agent    run a server (--dev: a single node with a temporary data directory)

${AGENT_USAGE}`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'agent':
      await runAgent(parseAgentArgs(rest));
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}" (try: cairn help)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`cairn: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      const code = (e as NodeJS.ErrnoException).code;
      // Startup failures the operator can fix (a port in use, a locked data directory) get one line too.
      process.stderr.write(
        `cairn: ${e instanceof Error ? e.message : String(e)}${code ? ` (${code})` : ''}\n`,
      );
      process.exitCode = 1;
    }
  },
);

#!/usr/bin/env node
import { runAgent } from './agent.js';
import { AGENT_USAGE, parseAgentArgs } from './agent-args.js';
import { UsageError } from './errors.js';
import { runRaftDemo } from './raft-demo.js';
import { parseRaftDemoArgs, RAFT_DEMO_USAGE } from './raft-demo-args.js';

const USAGE = `usage: cairn <command> [options]

commands:
  agent      run a server (--dev: a single server with a temporary data directory)
  raft-demo  run one Raft node with a demo key/value machine (the consensus module alone)

${AGENT_USAGE}

${RAFT_DEMO_USAGE}`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'agent':
      await runAgent(parseAgentArgs(rest));
      return 0;
    case 'raft-demo':
      await runRaftDemo(parseRaftDemoArgs(rest));
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

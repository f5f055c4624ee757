#!/usr/bin/env node
// Only what every command needs is loaded here: each command loads its own modules when it runs,
// so `cairn kv get` does not pay for the server, DNS, certificates or WebSockets at startup.
import { HaltedError, UsageError } from './errors.js';
import { CliFailure } from './kv/errors.js';

/** The usage of every command (loads every command's module: for help only). */
async function usage(): Promise<string> {
  const [{ AGENT_USAGE }, { RAFT_DEMO_USAGE }, { KV_USAGE }, { WATCH_USAGE }, { TLS_USAGE }] =
    await Promise.all([
      import('./agent-args.js'),
      import('./raft-demo-args.js'),
      import('./kv/args.js'),
      import('./watch/service.js'),
      import('./tls/args.js'),
    ]);
  return `usage: cairn <command> [options]

commands:
  agent      run a server (--dev: a single server with a temporary data directory)
  raft-demo  run one Raft node with a demo key/value machine (the consensus module alone)
  kv         read, write, list, watch and roll back keys of a running server's KV store
  watch      follow the instances of a service as they come, go and change health
  keygen     print a new cluster key for --encrypt (base64 of 32 random bytes)
  tls        create a CA and server/client certificates for TLS between agents (as consul tls)
  version    print cairn's version

${AGENT_USAGE}
           (cairn agent --help lists every flag with its default)

${RAFT_DEMO_USAGE}

${KV_USAGE}

${WATCH_USAGE}

${TLS_USAGE}`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'agent': {
      if (rest.includes('--help') || rest.includes('-h')) {
        const { agentHelp } = await import('./agent-help.js');
        process.stdout.write(`${agentHelp()}\n`);
        return 0;
      }
      const { parseAgentArgs } = await import('./agent-args.js');
      const { preloadHclConfigs } = await import('./config-hcl.js');
      const config = parseAgentArgs(rest, undefined, await preloadHclConfigs(rest));
      const { runAgent } = await import('./agent.js');
      // SIGHUP reads the flags and the config file again (the cluster keys take effect).
      await runAgent(config, async () => parseAgentArgs(rest, undefined, await preloadHclConfigs(rest)));
      return 0;
    }
    case 'raft-demo': {
      const { parseRaftDemoArgs, RAFT_DEMO_USAGE } = await import('./raft-demo-args.js');
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(`${RAFT_DEMO_USAGE}\n`);
        return 0;
      }
      const config = parseRaftDemoArgs(rest);
      const { runRaftDemo } = await import('./raft-demo.js');
      await runRaftDemo(config);
      return 0;
    }
    case 'kv': {
      const { runKv } = await import('./kv/index.js');
      return await runKv(rest);
    }
    case 'keygen': {
      if (rest.length === 1 && (rest[0] === '--help' || rest[0] === '-h')) {
        process.stdout.write(
          'usage: cairn keygen   prints a new cluster key for --encrypt (base64 of 32 random bytes)\n',
        );
        return 0;
      }
      if (rest.length > 0) throw new UsageError('keygen: takes no arguments');
      const { generateClusterKey } = await import('../raft/index.js');
      process.stdout.write(`${generateClusterKey()}\n`);
      return 0;
    }
    case 'tls': {
      const { runTls } = await import('./tls/index.js');
      return await runTls(
        rest,
        (line) => process.stdout.write(`${line}\n`),
        (line) => process.stderr.write(`${line}\n`),
      );
    }
    case 'watch': {
      const { parseWatchArgs, runServiceWatch, WATCH_USAGE } = await import('./watch/service.js');
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(`${WATCH_USAGE}\n`);
        return 0;
      }
      const w = parseWatchArgs(rest, process.env);
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      return await runServiceWatch(
        w,
        (line) => process.stdout.write(`${line}\n`),
        (line) => process.stderr.write(`${line}\n`),
        stop.signal,
      );
    }
    case 'version': {
      if (rest.length > 0) throw new UsageError('version: takes no arguments');
      const { packageVersion } = await import('./version.js');
      process.stdout.write(`cairn ${packageVersion()}\n`);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${await usage()}\n`);
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
    if (e instanceof HaltedError) {
      // The reason was logged at fatal level; this line is for whoever reads stderr. Exit now: a
      // halted server whose listeners did not close in time must not linger.
      process.stderr.write(`cairn: ${e.message}\n`);
      process.exit(1);
    } else if (e instanceof UsageError) {
      process.stderr.write(`cairn: ${e.message}\n`);
      process.exitCode = 2;
    } else if (e instanceof CliFailure) {
      // kv: not found / CAS failed / refused (1), no connection (2).
      process.stderr.write(`cairn: ${e.message}\n`);
      process.exitCode = e.exitCode;
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

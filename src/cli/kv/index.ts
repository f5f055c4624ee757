/** `cairn kv ...`: parses, then runs the command against the process's stdio and signals. */
import { userInfo } from 'node:os';
import { httpSide, type TlsSocketOptions } from '../https.js';
import { KV_USAGE, type KvCommand, parseKvArgs } from './args.js';
import { KvClient } from './client.js';
import { runCommand } from './commands.js';
import { ConnectionError } from './errors.js';
import { processInput } from './input.js';
import { abortableSleep, runWatch } from './watch.js';

export { KV_USAGE } from './args.js';
export { CliFailure } from './errors.js';

/** The default author: the OS user name, else $USER / $LOGNAME, else none. */
export function osUserName(env: NodeJS.ProcessEnv = process.env): string | null {
  try {
    const name = userInfo().username;
    if (name !== '') return name;
  } catch {
    // No passwd entry for this uid (common in containers).
  }
  return env.USER || env.LOGNAME || env.USERNAME || null;
}

import { kvEventOutput, newKvView } from '../watch/kv-stream.js';

export async function runKv(argv: readonly string[]): Promise<number> {
  const cmd = parseKvArgs(argv, process.env, osUserName());
  if (cmd.kind === 'help') {
    process.stdout.write(`${KV_USAGE}\n`);
    return 0;
  }
  // A reader that went away (`cairn kv watch k | head -1`) ends the command quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const http = await httpSide(`kv ${cmd.kind}`, cmd.conn);
  const client = new KvClient(cmd.conn, {
    author: 'author' in cmd ? cmd.author : null,
    fetch: http.fetch,
    tlsErrors: http,
  });
  const out = (chunk: Uint8Array | string) => {
    process.stdout.write(chunk);
  };
  if (cmd.kind === 'watch') return watch(cmd, client, http.tls, out);
  return runCommand(cmd, client, { out, stdoutIsTTY: process.stdout.isTTY === true, input: processInput });
}

/** Runs until SIGINT or SIGTERM, then exits 0. */
async function watch(
  cmd: Extract<KvCommand, { kind: 'watch' }>,
  client: KvClient,
  tls: TlsSocketOptions,
  out: (chunk: Uint8Array | string) => void,
): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  try {
    // The WebSocket stream delivers every change; a server without it is long-polled. (Loaded
    // here: the other kv commands start without ws and the SDK.)
    const { runStream, StreamTlsFailure, StreamUnavailable } = await import('../watch/stream.js');
    const view = newKvView();
    try {
      await runStream({
        addr: cmd.conn.addr,
        baseUrl: cmd.conn.baseUrl,
        tls,
        token: cmd.conn.token,
        subscription: { kind: 'kv', key: cmd.key, recurse: cmd.recurse },
        onEvent: (e) => {
          const chunk = kvEventOutput(view, e, cmd.key, cmd.recurse);
          if (chunk !== null) out(chunk);
        },
        onTrouble: err,
        signal: stop.signal,
      });
      return 0;
    } catch (e) {
      if (e instanceof StreamTlsFailure) throw new ConnectionError(e.message);
      if (!(e instanceof StreamUnavailable)) throw e;
    }
    return await runWatch(client, cmd, { out, err, sleep: abortableSleep }, stop.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

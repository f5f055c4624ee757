/** The one-shot `cairn kv` commands: one or two requests, then what to print or which failure to raise. */
import type { KvCommand } from './args.js';
import type { KvClient } from './client.js';
import { CasFailedError, NotFoundError, RefusedError } from './errors.js';
import { decodeValue, detailed, historyTable, messages, rawValueOutput } from './format.js';
import { type InputIo, readValue } from './input.js';

export interface CommandIo {
  readonly out: (chunk: Uint8Array | string) => void;
  readonly stdoutIsTTY: boolean;
  readonly input: InputIo;
}

type OneShot = Exclude<KvCommand, { kind: 'help' } | { kind: 'watch' }>;

/** Runs the command; resolves 0, or throws a CliFailure / UsageError. */
export async function runCommand(cmd: OneShot, client: KvClient, io: CommandIo): Promise<number> {
  switch (cmd.kind) {
    case 'get': {
      const pair = await client.get(cmd.key);
      if (pair === null) throw new NotFoundError(messages.notFound(cmd.key));
      const value = decodeValue(pair.Value);
      if (cmd.detailed) io.out(detailed(pair, value, cmd.base64));
      else if (cmd.base64) io.out(`${Buffer.from(value).toString('base64')}\n`);
      else io.out(rawValueOutput(value, io.stdoutIsTTY));
      return 0;
    }
    case 'put': {
      const value = await readValue(cmd.value, io.input);
      const ok = await client.put(cmd.key, value, { cas: cmd.cas, flags: cmd.flags });
      if (!ok) {
        // Only a check-and-set is answered false by a plain put.
        if (cmd.cas !== null) throw new CasFailedError(messages.casPut(cmd.key));
        throw new RefusedError(`the server did not write ${JSON.stringify(cmd.key)}`);
      }
      io.out(`${messages.written(cmd.key)}\n`);
      return 0;
    }
    case 'delete': {
      const ok = await client.delete(cmd.key, { recurse: cmd.recurse, cas: cmd.cas });
      if (!ok) {
        if (cmd.cas !== null) throw new CasFailedError(messages.casDelete(cmd.key));
        throw new RefusedError(`the server did not delete ${JSON.stringify(cmd.key)}`);
      }
      io.out(`${cmd.recurse ? messages.deletedTree(cmd.key) : messages.deleted(cmd.key)}\n`);
      return 0;
    }
    case 'list': {
      const keys = await client.keys(cmd.prefix, cmd.separator);
      if (keys === null) throw new NotFoundError(messages.noKeys(cmd.prefix));
      io.out(keys.map((k) => `${k}\n`).join(''));
      return 0;
    }
    case 'history': {
      const versions = await client.history(cmd.key);
      if (versions.length === 0) throw new NotFoundError(messages.noHistory(cmd.key));
      io.out(historyTable(versions));
      return 0;
    }
    case 'rollback': {
      const ok = await client.rollback(cmd.key, cmd.index, cmd.cas);
      if (ok === null) throw new NotFoundError(messages.noVersion(cmd.key, cmd.index));
      if (!ok) {
        if (cmd.cas !== null) throw new CasFailedError(messages.casPut(cmd.key));
        throw new RefusedError(`the server did not roll back ${JSON.stringify(cmd.key)}`);
      }
      io.out(`${messages.rolledBack(cmd.key, cmd.index)}\n`);
      return 0;
    }
  }
}

/** The bytes `cairn kv put` writes: from the argument, a file (`@path`) or stdin. */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import type { ValueSource } from './args.js';

export interface InputIo {
  readonly stdinIsTTY: boolean;
  readonly readStdin: () => Promise<Uint8Array>;
  readonly readFile: (path: string) => Promise<Uint8Array>;
}

export async function readValue(source: ValueSource, io: InputIo): Promise<Uint8Array> {
  switch (source.kind) {
    case 'literal':
      return new TextEncoder().encode(source.text);
    case 'file':
      try {
        return await io.readFile(source.path);
      } catch (e) {
        const why = e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e);
        throw new UsageError(`kv put: cannot read ${JSON.stringify(source.path)}: ${why}`);
      }
    case 'stdin':
      if (!source.explicit && io.stdinIsTTY) {
        throw new UsageError(
          'kv put: no VALUE given and stdin is a terminal (give VALUE, @FILE, or - for stdin)',
        );
      }
      return io.readStdin();
  }
}

/** The process's own stdin and files. */
export const processInput: InputIo = {
  get stdinIsTTY() {
    return process.stdin.isTTY === true;
  },
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
    return new Uint8Array(Buffer.concat(chunks));
  },
  readFile: async (path) => new Uint8Array(await readFile(path)),
};

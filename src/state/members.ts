import type { Index } from '../raft/index.js';
import type { Command } from './commands.js';
import { CowMap } from './cow-map.js';
import { type ApplyResult, failure, OK } from './errors.js';
import { Topic, type Touched } from './topics.js';
import type { Member } from './types.js';

export interface MembersImage {
  readonly members: readonly Member[];
  readonly index: Index;
}

/** The cluster's servers and their addresses, replicated so that every server can reach every other. */
export class Members {
  private table = new CowMap<string, Member>();
  private tableIndex: Index = 0;

  apply(
    cmd: Extract<Command, { type: 'memberUpsert' | 'memberLeft' | 'memberHttps' }>,
    index: Index,
    touched: Touched,
  ): ApplyResult {
    const old = this.table.get(cmd.name);
    if (cmd.type === 'memberLeft') {
      if (!old) return failure('notFound', `Unknown member "${cmd.name}"`);
      if (old.status === 'left') return OK;
      this.table.set(cmd.name, { ...old, status: 'left', modifyIndex: index });
    } else if (cmd.type === 'memberHttps') {
      if (!old) return failure('notFound', `Unknown member "${cmd.name}"`);
      if ((old.httpsAddress ?? '') === cmd.httpsAddress) return OK;
      const { httpsAddress: _, ...rest } = old;
      this.table.set(cmd.name, {
        ...rest,
        ...(cmd.httpsAddress !== '' ? { httpsAddress: cmd.httpsAddress } : {}),
        modifyIndex: index,
      });
    } else {
      if (
        old &&
        old.status === 'alive' &&
        old.serverAddress === cmd.serverAddress &&
        old.httpAddress === cmd.httpAddress &&
        old.datacenter === cmd.datacenter
      ) {
        return OK;
      }
      this.table.set(cmd.name, {
        name: cmd.name,
        serverAddress: cmd.serverAddress,
        httpAddress: cmd.httpAddress,
        // Announced by its own command; a re-join keeps it.
        ...(old?.httpsAddress !== undefined ? { httpsAddress: old.httpsAddress } : {}),
        datacenter: cmd.datacenter,
        status: 'alive',
        createIndex: old?.createIndex ?? index,
        modifyIndex: index,
      });
    }
    this.tableIndex = index;
    touched.add(Topic.members);
    return OK;
  }

  get(name: string): Member | undefined {
    return this.table.get(name);
  }

  all(): Member[] {
    return [...this.table.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get index(): Index {
    return this.tableIndex;
  }

  image(): () => MembersImage {
    const members = this.table.freeze();
    const index = this.tableIndex;
    return () => ({ members: [...members.values()], index });
  }

  restore(img: MembersImage): void {
    this.table = new CowMap(img.members.map((m) => [m.name, m] as const));
    this.tableIndex = img.index;
  }
}

import { Packr } from 'msgpackr';
import type { Index, StateMachine } from '../raft/index.js';
import { Catalog, type CatalogImage } from './catalog.js';
import { decodeCommand } from './commands.js';
import { type ApplyResult, failure } from './errors.js';
import { Members, type MembersImage } from './members.js';
import { Touched } from './topics.js';
import { WatchHub } from './watch-hub.js';

interface Image {
  readonly v: 1;
  readonly applied: Index;
  readonly catalog: CatalogImage;
  readonly members: MembersImage;
}

const packr = new Packr({ useRecords: false, moreTypes: false });

/**
 * The replicated state: every server applies the same commands in the same
 * order and ends in the same state. Knows nothing of Raft beyond the
 * StateMachine interface (DESIGN.md, principle 2).
 */
export class RegistryState implements StateMachine<ApplyResult> {
  readonly catalog = new Catalog();
  readonly members = new Members();
  readonly hub = new WatchHub();
  private appliedIndex: Index = 0;

  apply(bytes: Uint8Array, index: Index): ApplyResult {
    this.appliedIndex = index;
    let cmd: ReturnType<typeof decodeCommand>;
    try {
      cmd = decodeCommand(bytes);
    } catch {
      return failure('invalid', 'undecodable command');
    }
    const touched = new Touched();
    let result: ApplyResult;
    switch (cmd.type) {
      case 'memberUpsert':
      case 'memberLeft':
        result = this.members.apply(cmd, index, touched);
        break;
      case 'register':
      case 'deregisterService':
      case 'deregisterCheck':
      case 'deregisterNode':
      case 'checkStatus':
      case 'reap':
      case 'loads':
        result = this.catalog.apply(cmd, index, touched);
        break;
      default:
        result = failure('invalid', `unknown command type ${(cmd as { type: unknown }).type}`);
    }
    this.hub.notify(touched.topics, index);
    return result;
  }

  /** The index of the last applied entry (0 before any). */
  get applied(): Index {
    return this.appliedIndex;
  }

  snapshot(): () => Uint8Array {
    const catalog = this.catalog.image();
    const members = this.members.image();
    const applied = this.appliedIndex;
    return () => packr.pack({ v: 1, applied, catalog: catalog(), members: members() } satisfies Image);
  }

  restore(data: Uint8Array): void {
    const img = packr.unpack(data) as Image;
    if (img.v !== 1) throw new Error(`state snapshot version ${String(img.v)} is not supported`);
    this.catalog.restore(img.catalog);
    this.members.restore(img.members);
    this.appliedIndex = img.applied;
    // Everything may have changed: wake every waiter so it recomputes.
    this.hub.notifyAll(img.applied);
  }
}

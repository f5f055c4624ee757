import type { Index, NodeId } from '../types.js';

/** The smallest number of voters that forms a majority of `n`. */
export function quorumSize(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * The largest value that a majority of `voters` has reached, given each
 * voter's value (a match index, an acked read round, ...). With no voters
 * there is no majority to wait for, so nothing constrains the result.
 */
export function committedBy(voters: readonly NodeId[], reached: (id: NodeId) => Index): Index {
  if (voters.length === 0) return Number.POSITIVE_INFINITY;
  const values = voters.map(reached).sort((a, b) => b - a);
  return values[quorumSize(voters.length) - 1]!;
}

export type VoteResult = 'won' | 'lost' | 'pending';

/** The outcome of an election among `voters`, counting only their answers. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'won';
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const q = quorumSize(voters.length);
  if (granted >= q) return 'won';
  if (voters.length - rejected < q) return 'lost';
  return 'pending';
}

import type { ConfChange, ConfState, NodeId } from '../types.js';

/**
 * Why a membership change cannot be made to `conf`, or null if it can.
 * One change at a time, applied when its entry is applied.
 */
export function confChangeError(conf: ConfState, change: ConfChange): string | null {
  const isVoter = conf.voters.includes(nodeOf(change));
  const isLearner = conf.learners.includes(nodeOf(change));
  switch (change.type) {
    case 'bootstrap':
      if (conf.voters.length > 0 || conf.learners.length > 0) return 'cluster is already bootstrapped';
      if (change.voters.length === 0) return 'bootstrap needs at least one voter';
      if (new Set(change.voters).size !== change.voters.length) return 'bootstrap voters must be distinct';
      return null;
    case 'addLearner':
      if (isVoter) return `${change.node} is already a voter`;
      if (isLearner) return `${change.node} is already a learner`;
      return null;
    case 'promote':
      if (isVoter) return `${change.node} is already a voter`;
      if (!isLearner) return `${change.node} is not a learner`;
      return null;
    case 'remove':
      if (!isVoter && !isLearner) return `${change.node} is not a member`;
      if (isVoter && conf.voters.length === 1) return 'cannot remove the last voter';
      return null;
  }
}

/** The configuration after `change`; the change must be valid (see {@link confChangeError}). */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState {
  switch (change.type) {
    case 'bootstrap':
      return { voters: [...change.voters], learners: [] };
    case 'addLearner':
      return { voters: conf.voters, learners: [...conf.learners, change.node] };
    case 'promote':
      return {
        voters: [...conf.voters, change.node],
        learners: conf.learners.filter((id) => id !== change.node),
      };
    case 'remove':
      return {
        voters: conf.voters.filter((id) => id !== change.node),
        learners: conf.learners.filter((id) => id !== change.node),
      };
  }
}

function nodeOf(change: ConfChange): NodeId {
  return change.type === 'bootstrap' ? '' : change.node;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeConfChange(change: ConfChange): Uint8Array {
  return encoder.encode(JSON.stringify(change));
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  const value: unknown = JSON.parse(decoder.decode(data));
  if (!isConfChange(value)) throw new Error('malformed membership change entry');
  return value;
}

function isConfChange(v: unknown): v is ConfChange {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  if (o.type === 'bootstrap') return Array.isArray(o.voters) && o.voters.every((x) => typeof x === 'string');
  if (o.type === 'addLearner') {
    return typeof o.node === 'string' && (o.address === undefined || typeof o.address === 'string');
  }
  return (o.type === 'promote' || o.type === 'remove') && typeof o.node === 'string';
}

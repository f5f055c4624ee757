export { applyConfChange, confChangeError, decodeConfChange, encodeConfChange } from './confchange.js';
export { CORE_DEFAULTS, type CoreConfig, type CoreOptions, validateCoreConfig } from './config.js';
export { Inflights } from './inflights.js';
export { RaftLog } from './log.js';
export { Progress, type ProgressState } from './progress.js';
export { committedBy, quorumSize, type VoteResult, voteResult } from './quorum.js';
export { type ProposeResult, Raft, type RefusalReason } from './raft.js';
export { RawNode, type Ready, type RestartState, type Status } from './raw-node.js';
export { ReadOnly } from './read-only.js';

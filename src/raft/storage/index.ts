export { DataDirGuard, MARKER_FILE } from './dir-guard.js';
export {
  type DirIdentity,
  type DirObservation,
  type FileId,
  judgeDataDir,
  judgeMarkerLinks,
  type PathProbe,
  type WriteProbe,
} from './dir-identity.js';
export {
  STORAGE_ERROR_CODES,
  StorageClosedError,
  StorageCorruptError,
  type StorageErrorCode,
  type StorageFault,
  type StorageFaultCode,
  StorageFaultError,
} from './errors.js';
export { LevelStorage } from './level.js';
export { MemoryDisk, MemoryStorage } from './memory.js';
export type { PersistedState, RaftStorage, ReadyWrite } from './types.js';

export {
  STORAGE_ERROR_CODES,
  StorageClosedError,
  StorageCorruptError,
  type StorageErrorCode,
} from './errors.js';
export { LevelStorage } from './level.js';
export { MemoryDisk, MemoryStorage } from './memory.js';
export type { PersistedState, RaftStorage, ReadyWrite } from './types.js';

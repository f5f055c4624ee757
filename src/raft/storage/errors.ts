export const STORAGE_ERROR_CODES = ['STORAGE_CORRUPT', 'STORAGE_CLOSED'] as const;
export type StorageErrorCode = (typeof STORAGE_ERROR_CODES)[number];

/** Stored bytes that cannot be what this module wrote: a damaged or foreign data directory. */
export class StorageCorruptError extends Error {
  override readonly name = 'StorageCorruptError';
  readonly code = 'STORAGE_CORRUPT' satisfies StorageErrorCode;
}

/** A call on a storage that was closed (or never opened). */
export class StorageClosedError extends Error {
  override readonly name = 'StorageClosedError';
  readonly code = 'STORAGE_CLOSED' satisfies StorageErrorCode;
}

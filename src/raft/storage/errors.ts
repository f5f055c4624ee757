export const STORAGE_ERROR_CODES = [
  'STORAGE_CORRUPT',
  'STORAGE_CLOSED',
  'STORAGE_DIR_GONE',
  'STORAGE_DIR_REPLACED',
  'STORAGE_NOT_WRITABLE',
  'STORAGE_IO_ERROR',
] as const;
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

/**
 * Why storage can no longer keep what it acknowledges, as a stable code for logs and alerts:
 *
 * - STORAGE_DIR_GONE      the data directory, or the marker file inside it, no longer exists
 * - STORAGE_DIR_REPLACED  a different directory (or marker file) now sits at the same path
 * - STORAGE_NOT_WRITABLE  the directory or the marker can no longer be written
 * - STORAGE_IO_ERROR      a storage write or check failed otherwise (the error says how)
 */
export type StorageFaultCode = Extract<
  StorageErrorCode,
  'STORAGE_DIR_GONE' | 'STORAGE_DIR_REPLACED' | 'STORAGE_NOT_WRITABLE' | 'STORAGE_IO_ERROR'
>;

/** What a storage check found wrong. */
export interface StorageFault {
  readonly code: StorageFaultCode;
  /** The data directory concerned (the detail names a file inside it when that is what changed). */
  readonly path: string;
  /** One sentence for an operator: what changed or failed. */
  readonly detail: string;
}

/** A storage failure the server must stop on rather than acknowledge writes it cannot keep. */
export class StorageFaultError extends Error {
  override readonly name = 'StorageFaultError';
  readonly code: StorageFaultCode;
  readonly path: string;

  constructor(fault: StorageFault, options?: { cause?: unknown }) {
    super(`${fault.code}: ${fault.detail}`, options);
    this.code = fault.code;
    this.path = fault.path;
  }
}

/** Stored bytes that cannot be what this module wrote: a damaged or foreign data directory. */
export class StorageCorruptError extends Error {
  override readonly name = 'StorageCorruptError';
}

/** A call on a storage that was closed (or never opened). */
export class StorageClosedError extends Error {
  override readonly name = 'StorageClosedError';
}

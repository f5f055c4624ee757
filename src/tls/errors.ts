/** Making a certificate failed for a reason the operator can fix (a wrong CA, a name it may not sign). */
export class TlsGenerateError extends Error {
  override readonly name = 'TlsGenerateError';
}

/** A TLS file given to the agent is missing, unreadable or wrong; the message names the file. */
export class TlsFileError extends Error {
  override readonly name = 'TlsFileError';

  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

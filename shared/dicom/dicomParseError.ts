/**
 * The uploaded bytes are not a well-formed DICOM Part 10 file. The message is written for the
 * client (it ends up in a STOW failure reason), so it names the problem and never internals.
 * Mapping it to an HTTP status is the store service's job, not this module's.
 */
export class DicomParseError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DicomParseError';
  }
}

/** Builds multipart bodies the way real STOW clients do, for integration tests. */
import { randomBytes } from 'node:crypto';

export interface PartSpec {
  readonly body: Buffer;
  /** Part Content-Type; omitted when null. Default application/dicom. */
  readonly contentType?: string | null;
  /** Adds `Content-Disposition: form-data; name=..; filename=..` as cURL --form and urllib3 do. */
  readonly formDataName?: string;
}

export function newBoundary(): string {
  return `test-${randomBytes(8).toString('hex')}`;
}

export function multipartBody(parts: readonly PartSpec[], boundary: string): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const headers: string[] = [];
    if (part.formDataName) {
      headers.push(`Content-Disposition: form-data; name="${part.formDataName}"; filename="${part.formDataName}.dcm"`);
    }
    const contentType = part.contentType === undefined ? 'application/dicom' : part.contentType;
    if (contentType !== null) headers.push(`Content-Type: ${contentType}`);
    chunks.push(
      Buffer.from(`--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1'),
      part.body,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return Buffer.concat(chunks);
}

export function multipartRelated(boundary: string, type: string | null = 'application/dicom'): string {
  return type === null
    ? `multipart/related; boundary=${boundary}`
    : `multipart/related; type="${type}"; boundary=${boundary}`;
}

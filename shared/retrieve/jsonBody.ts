/** JSON response bodies, gzip-compressed when the client allows it (RFC 9110 12.5.3). */
import { pipeline, Readable } from 'node:stream';
import { createGzip } from 'node:zlib';

/** Whether Accept-Encoding allows gzip: named with a weight above 0, or through `*`. */
export function acceptsGzip(acceptEncoding: string | null): boolean {
  if (!acceptEncoding) return false;
  let star = 0;
  for (const element of acceptEncoding.split(',')) {
    const [name = '', ...params] = element.split(';').map((piece) => piece.trim().toLowerCase());
    const weight = params.find((p) => p.startsWith('q='));
    const q = weight === undefined ? 1 : Number(weight.slice(2));
    if (name === 'gzip' || name === 'x-gzip') return q > 0;
    if (name === '*') star = q;
  }
  return star > 0;
}

/** The body and the header that describes its encoding (the caller sends `Vary: Accept-Encoding`). */
export function encodedBody(
  chunks: AsyncIterable<Buffer>,
  gzip: boolean,
): { body: Readable; headers: Record<string, string> } {
  const source = Readable.from(chunks);
  if (!gzip) return { body: source, headers: {} };
  // pipeline destroys the source when the gzip stream is destroyed (client gone), stopping the reads.
  const gzipStream = pipeline(source, createGzip(), () => undefined);
  return { body: gzipStream, headers: { 'Content-Encoding': 'gzip' } };
}

/**
 * STOW-RS request bodies as real clients frame them: two captured verbatim (cURL, urllib3), the
 * others built from each client's source. Shared by the byte-exact and the chunking tests.
 */
import assert from 'node:assert/strict';
import { parseMediaType } from '../../shared/http/mediaType';
import { boundaryFromContentType } from '../../shared/multipart/multipartReader';
import { makeDicom } from '../support/dicomFactory';
import { latin1, type ReadPart } from './support';

export interface ExpectedPart {
  readonly body: Buffer;
  /** Content-Type essence, undefined when the part has none. */
  readonly type?: string;
  /** Headers that must be present with exactly these values (lower-case names). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ClientBody {
  readonly name: string;
  /** The request's Content-Type header. */
  readonly contentType: string;
  readonly body: Buffer;
  readonly parts: readonly ExpectedPart[];
}

const DICOM = 'application/dicom';
// Small files keep the one-byte-at-a-time runs quick; the bytes that matter are the framing.
const fileA = makeDicom({ pixelDataBytes: 2048 });
const fileB = makeDicom({ patientName: 'Other^Patient' });
// Data that looks like framing: line breaks at its edges, boundaries short of a character or a dash.
const nearBoundary = latin1('\r\n--simple-boundar\r\n\r--\n-simple-boundary\r');
const nearBoundaryLf = latin1('\r\r\n\n--simple-boundar\r');

/** What `curl -F "file1=@x.dcm;type=application/dicom" -H 'Content-Type: multipart/related; ...'` sends. */
const curlFile = latin1('DICM\x00\x01\r\n--x\r\nbinary-ish\n');

function part(boundary: string, headers: readonly string[], body: Buffer, crlf = '\r\n'): Buffer[] {
  return [latin1(`--${boundary}${crlf}${headers.map((h) => h + crlf).join('')}${crlf}`), body, latin1(crlf)];
}

function dicomwebClientPython(boundary: string, files: readonly Buffer[]): Buffer {
  // dicomweb-client (Python) _encode_multipart_message: a CRLF before every boundary, none after the last.
  const pieces = files.flatMap((file) => [latin1(`\r\n--${boundary}\r\nContent-Type: ${DICOM}\r\n\r\n`), file]);
  return Buffer.concat([...pieces, latin1(`\r\n--${boundary}--`)]);
}

export const CLIENT_BODIES: readonly ClientBody[] = [
  {
    name: 'cURL 7.88 --form, captured verbatim (quoted type; cURL appends an unquoted boundary)',
    contentType: 'multipart/related; type="application/dicom"; boundary=------------------------ca4d85269616528d',
    body: latin1(
      '--------------------------ca4d85269616528d\r\n' +
        'Content-Disposition: attachment; name="file1"; filename="x.dcm"\r\n' +
        'Content-Type: application/dicom\r\n' +
        '\r\n' +
        'DICM\x00\x01\r\n' +
        '--x\r\n' +
        'binary-ish\n' +
        '\r\n' +
        '--------------------------ca4d85269616528d--\r\n',
    ),
    parts: [
      {
        body: curlFile,
        type: DICOM,
        headers: { 'content-disposition': 'attachment; name="file1"; filename="x.dcm"' },
      },
    ],
  },
  {
    name: 'cURL 7.88 with two --form files, captured verbatim (unquoted type)',
    contentType: 'multipart/related; type=application/dicom; boundary=------------------------ce5557398eaff443',
    body: latin1(
      '--------------------------ce5557398eaff443\r\n' +
        'Content-Disposition: attachment; name="file1"; filename="x.dcm"\r\n' +
        'Content-Type: application/dicom\r\n' +
        '\r\n' +
        'DICM\x00\x01\r\n' +
        '--x\r\n' +
        'binary-ish\n' +
        '\r\n' +
        '--------------------------ce5557398eaff443\r\n' +
        'Content-Disposition: attachment; name="file2"; filename="y.dcm"\r\n' +
        'Content-Type: application/dicom\r\n' +
        '\r\n' +
        'second\r\n' +
        '-- not a boundary\r\n' +
        '\r\n' +
        '--------------------------ce5557398eaff443--\r\n',
    ),
    parts: [
      { body: curlFile, type: DICOM },
      { body: latin1('second\r\n-- not a boundary\r\n'), type: DICOM },
    ],
  },
  {
    name: 'urllib3 2.7 encode_multipart_formdata, captured verbatim (form-data headers, an empty part)',
    contentType: 'multipart/related; boundary=0123abc',
    body: latin1(
      '--0123abc\r\n' +
        'Content-Disposition: form-data; name="file1"; filename="x.dcm"\r\n' +
        'Content-Type: application/dicom\r\n' +
        '\r\n' +
        'AB\r\n' +
        '--0123abc\r\n' +
        'Content-Disposition: form-data; name="file2"; filename="y.dcm"\r\n' +
        'Content-Type: application/dicom\r\n' +
        '\r\n' +
        '\r\n' +
        '--0123abc--\r\n',
    ),
    parts: [
      {
        body: latin1('AB'),
        type: DICOM,
        headers: { 'content-disposition': 'form-data; name="file1"; filename="x.dcm"' },
      },
      { body: Buffer.alloc(0), type: DICOM },
    ],
  },
  {
    name: 'urllib3 encode_multipart_formdata with a DICOM file (same framing, built in code)',
    contentType: 'multipart/related; boundary=a1b2c3d4e5',
    body: Buffer.concat([
      ...part(
        'a1b2c3d4e5',
        ['Content-Disposition: form-data; name="file1"; filename="a.dcm"', `Content-Type: ${DICOM}`],
        fileA,
      ),
      latin1('--a1b2c3d4e5--\r\n'),
    ]),
    parts: [{ body: fileA, type: DICOM }],
  },
  {
    name: 'requests_toolbelt MultipartEncoder (uuid4 hex boundary, form-data headers)',
    contentType: 'multipart/related; type="application/dicom"; boundary=8d4f1c2b9a7e4f0b8e6a5d3c2b1a0f9e',
    body: Buffer.concat([
      ...part(
        '8d4f1c2b9a7e4f0b8e6a5d3c2b1a0f9e',
        ['Content-Disposition: form-data; name="file"; filename="a.dcm"', `Content-Type: ${DICOM}`],
        fileA,
      ),
      ...part(
        '8d4f1c2b9a7e4f0b8e6a5d3c2b1a0f9e',
        ['Content-Disposition: form-data; name="file"; filename="b.dcm"', `Content-Type: ${DICOM}`],
        fileB,
      ),
      latin1('--8d4f1c2b9a7e4f0b8e6a5d3c2b1a0f9e--\r\n'),
    ]),
    parts: [
      { body: fileA, type: DICOM },
      { body: fileB, type: DICOM },
    ],
  },
  {
    name: 'dicomweb-client (Python): quoted type and boundary, leading CRLF, no CRLF after the close',
    contentType: 'multipart/related; type="application/dicom"; boundary="0f1e2d3c4b5a69788796a5b4c3d2e1f0"',
    body: dicomwebClientPython('0f1e2d3c4b5a69788796a5b4c3d2e1f0', [fileA, fileB]),
    parts: [
      { body: fileA, type: DICOM },
      { body: fileB, type: DICOM },
    ],
  },
  {
    name: 'dicomweb-client (JavaScript, OHIF): guid boundary, zero bytes left after the close',
    contentType: 'multipart/related; type="application/dicom"; boundary=6a3c8e1f-1d2b-4c5a-9e8f-7a6b5c4d3e2f',
    // Its multipartEncode sizes the buffer for a footer per file but writes one: the rest stays 0.
    body: Buffer.concat([
      dicomwebClientPython('6a3c8e1f-1d2b-4c5a-9e8f-7a6b5c4d3e2f', [fileA, fileB]),
      Buffer.alloc(45),
    ]),
    parts: [
      { body: fileA, type: DICOM },
      { body: fileB, type: DICOM },
    ],
  },
  {
    name: 'fo-dicom DicomWebClient (.NET MultipartContent): boundary quoted before the type',
    contentType: 'multipart/related; boundary="3f2504e0-4f89-11d3-9a0c-0305e82c3301"; type="application/dicom"',
    body: Buffer.concat([
      latin1(`--3f2504e0-4f89-11d3-9a0c-0305e82c3301\r\nContent-Type: ${DICOM}\r\n\r\n`),
      fileA,
      latin1(`\r\n--3f2504e0-4f89-11d3-9a0c-0305e82c3301\r\nContent-Type: ${DICOM}\r\n\r\n`),
      fileB,
      latin1('\r\n--3f2504e0-4f89-11d3-9a0c-0305e82c3301--\r\n'),
    ]),
    parts: [
      { body: fileA, type: DICOM },
      { body: fileB, type: DICOM },
    ],
  },
  {
    name: '.NET MultipartContent without parts: one part with no headers and no bytes',
    contentType: 'multipart/related; boundary="e1"; type="application/dicom"',
    body: latin1('--e1\r\n\r\n--e1--\r\n'),
    parts: [{ body: Buffer.alloc(0), type: undefined }],
  },
  {
    name: 'upper-case names, extra parameters, a preamble, padding after boundary lines, an epilogue',
    contentType: 'Multipart/Related; TYPE="Application/DICOM"; start="<p1@x>"; charset=utf-8; BOUNDARY=Upper_Case.b',
    body: Buffer.concat([
      latin1('This is a preamble.\r\n'),
      latin1(`--Upper_Case.b \t\r\nCONTENT-TYPE: Application/DICOM\r\nContent-ID: <p1@x>\r\n\r\n`),
      fileA,
      latin1('\r\n--Upper_Case.b--  \r\nepilogue\r\n--Upper_Case.b\r\nContent-Type: text/plain\r\n\r\nignored\r\n'),
    ]),
    parts: [{ body: fileA, type: DICOM, headers: { 'content-id': '<p1@x>' } }],
  },
  {
    name: 'LF-only line ends, a folded header, a part without Content-Type',
    contentType: 'multipart/related; type=application/dicom; boundary=lf-only',
    body: Buffer.concat([
      latin1('\n--lf-only\nContent-Type: application/dicom;\n transfer-syntax=1.2.840.10008.1.2.1\n\n'),
      fileA,
      latin1('\n--lf-only\n\n'),
      fileB,
      latin1('\n--lf-only--\n'),
    ]),
    parts: [
      {
        body: fileA,
        type: DICOM,
        headers: { 'content-type': 'application/dicom; transfer-syntax=1.2.840.10008.1.2.1' },
      },
      { body: fileB, type: undefined },
    ],
  },
  {
    name: 'data that resembles framing: CR, LF and partial boundaries next to the delimiter',
    contentType: 'multipart/related; boundary=simple-boundary',
    body: Buffer.concat([
      ...part('simple-boundary', [`Content-Type: ${DICOM}`], nearBoundary),
      ...part('simple-boundary', [`Content-Type: ${DICOM}`], nearBoundaryLf),
      ...part('simple-boundary', [`Content-Type: ${DICOM}`], latin1('')),
      latin1('--simple-boundary--'),
    ]),
    parts: [
      { body: nearBoundary, type: DICOM },
      { body: nearBoundaryLf, type: DICOM },
      { body: Buffer.alloc(0), type: DICOM },
    ],
  },
];

/** Checks parts read from a client's body against what the client meant to send. */
export function assertClientParts(actual: readonly ReadPart[], client: ClientBody): void {
  assert.equal(actual.length, client.parts.length, `${client.name}: number of parts`);
  for (const [i, expected] of client.parts.entries()) {
    const got = actual[i];
    assert.ok(got, `${client.name}: part ${i}`);
    assert.equal(got.index, i);
    assert.deepEqual(got.body, expected.body, `${client.name}: bytes of part ${i}`);
    assert.equal(got.type, expected.type, `${client.name}: type of part ${i}`);
    for (const [name, value] of Object.entries(expected.headers ?? {})) {
      assert.equal(got.headers.get(name), value, `${client.name}: ${name} of part ${i}`);
    }
  }
}

/** The boundary as the store service finds it: through parseMediaType and boundaryFromContentType. */
export function boundaryOf(contentType: string): string {
  const mediaType = parseMediaType(contentType);
  assert.ok(mediaType, contentType);
  return boundaryFromContentType(mediaType);
}

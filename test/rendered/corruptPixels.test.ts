// Damaged compressed pixel data is a client's (or a modality's) mistake: 406 with the codec's
// reason, never a 500, and the pixel workers go on serving good images afterwards.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFixture } from '../support/fixtures';
import { useTestServer } from '../support/serverFixture';
import { frameOf, get, parseDicom, store, withUid } from '../retrieve/retrieveSupport';
import { instanceUrl } from './renderedSupport';

/** The fixture under a new SOP Instance UID with its one frame's bytes after `keep` replaced by noise. */
function damaged(name: string, suffix: string, keep: number): Buffer {
  const file = readFixture(`pixels/${name}`);
  const sop = parseDicom(file).dataset['00080018']?.Value?.[0] as string;
  const copy = withUid(file, sop, `${sop.slice(0, -suffix.length)}${suffix}`);
  const frame = frameOf(copy, 1);
  const at = copy.indexOf(frame);
  for (let i = keep; i < frame.length; i += 1) copy[at + i] = (i * 7919) & 0xff;
  return copy;
}

describe('damaged compressed pixel data', () => {
  const ctx = useTestServer();

  test('rendered, frame and instance conversion answer 406; good images still render', async () => {
    const files = [
      damaged('ct-12bit-j2k.dcm', '901', 40),
      damaged('ct-signed-jpeg-ls.dcm', '902', 30),
      damaged('ct-12bit-jpeg-lossless.dcm', '903', 0),
      damaged('ct-signed-rle.dcm', '904', 0),
    ];
    await store(ctx.baseUrl, ...files);
    const statuses: number[] = [];
    for (const file of files) {
      const url = instanceUrl(ctx.baseUrl, file);
      for (const [path, accept] of [
        ['/rendered', 'image/jpeg'],
        ['/frames/1', 'application/octet-stream'],
        ['', 'application/dicom'],
      ] as const) {
        const response = await get(`${url}${path}`, { Accept: accept });
        const text = await response.text();
        // A decoder may take noise for a (wrong) image; it must never be a server error.
        assert.ok(
          response.status === 406 || response.status === 200,
          `${path}: ${response.status} ${text.slice(0, 200)}`,
        );
        if (response.status === 406) assert.match(text, /convert/);
        statuses.push(response.status);
      }
    }
    assert.ok(statuses.filter((status) => status === 406).length >= 6, `406 for most: ${statuses.join(',')}`);
    const good = readFixture('pixels/ct-12bit-j2k.dcm');
    await store(ctx.baseUrl, good);
    const response = await get(`${instanceUrl(ctx.baseUrl, good)}/rendered`);
    assert.equal(response.status, 200);
    await response.arrayBuffer();
  });
});

// Instances stored before the flat frame index (per-fragment {offset, length} objects) stay retrievable.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import { getString } from '../../shared/dicom/dicomJson';
import { frameCountOf, frameRangesOf } from '../../shared/dicom/frameRanges';
import type { LegacyEncapsulatedFrameIndex } from '../../shared/dicom/frameIndex';
import { Tag } from '../../shared/dicom/tags';
import { readFixture } from '../support/fixtures';
import { manyFragmentsFile } from '../support/hostileInputs';
import { useTestServer } from '../support/serverFixture';
import { frameOf, framesUrl, get, parseDicom, readParts, store, withUid } from './retrieveSupport';

const OCTET_ANY = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';
// The fixture's SOP Instance UID, replaced by one of the same length (a new instance each run).
const FIXTURE_SOP = '2.25.329800735698586629295641978511506172938';

/** A frame per fragment, each fragment a different two bytes, so a misplaced range shows. */
function distinctFragmentsFile(count: number): Buffer {
  const file = manyFragmentsFile(count);
  // The fragments end the file: 10 bytes each (item header and value), then the Sequence Delimitation Item.
  const firstValue = file.length - 8 - count * 10 + 8;
  for (let i = 0; i < count; i += 1) file.writeUInt16BE(i, firstValue + i * 10);
  return file;
}

/** The index the release before the flat format stored for this file. */
function legacyIndexJson(file: Buffer): string {
  const index = parseDicom(file).frames;
  assert.ok(index?.kind === 'fragments', 'an encapsulated index');
  const legacy: LegacyEncapsulatedFrameIndex = {
    kind: 'encapsulated',
    frames: Array.from({ length: frameCountOf(index) }, (_, i) => frameRangesOf(index, i + 1)),
  };
  return JSON.stringify(legacy);
}

describe('WADO-RS retrieve frames: frame indexes stored by earlier releases', () => {
  const ctx = useTestServer();

  async function entityOf(
    sopInstanceUid: string,
  ): Promise<Record<string, unknown> & { partitionKey: string; rowKey: string }> {
    const entity = (await ctx.probe.entities('Instances', `PartitionKey lt '~'`)).find(
      (e) => e.SOPInstanceUID === sopInstanceUid,
    );
    assert.ok(entity, 'an instance entity');
    return entity;
  }

  async function assertFrames(file: Buffer, frames: readonly number[]): Promise<void> {
    const response = await get(framesUrl(ctx.baseUrl, file, frames.join(',')), { Accept: OCTET_ANY });
    assert.equal(response.status, 200);
    const parts = await readParts(response);
    assert.equal(parts.length, frames.length);
    for (const [i, frame] of frames.entries()) assert.ok(parts[i]?.body.equals(frameOf(file, frame)), `frame ${frame}`);
  }

  test('an index on the entity (Frames) in the old format', async () => {
    const sop = `2.25.${randomInt(1e9, 1e10 - 1)}${String(Date.now()).padStart(FIXTURE_SOP.length - 15, '0')}`;
    const file = withUid(readFixture('multiframe-jpeg-nobot-fragmented.dcm'), FIXTURE_SOP, sop);
    await store(ctx.baseUrl, file);
    const entity = await entityOf(sop);
    assert.equal(typeof entity.Frames, 'string');
    assert.match(String(entity.Frames), /"kind":"fragments"/, 'stored in the flat format');
    const legacy = legacyIndexJson(file);
    await ctx.probe
      .table('Instances')
      .updateEntity({ partitionKey: entity.partitionKey, rowKey: entity.rowKey, Frames: legacy }, 'Merge');
    assert.equal((await entityOf(sop)).Frames, legacy);

    await assertFrames(file, [1, 2, 17, 30]);
    const beyond = await get(framesUrl(ctx.baseUrl, file, '31'), { Accept: OCTET_ANY });
    assert.equal(beyond.status, 404);
  });

  test('an index in its blob (frames.json) in the old format', async () => {
    const file = distinctFragmentsFile(20_000);
    await store(ctx.baseUrl, file);
    const sop = getString(parseDicom(file).dataset, Tag.SOPInstanceUID) ?? '';
    const entity = await entityOf(sop);
    assert.equal(entity.FramesInBlob, true, 'the index is too large for the entity');
    const [blob, ...others] = (await ctx.probe.blobNames(`${entity.partitionKey}/`)).filter(
      (n) => n.includes(`/${sop}/`) && n.endsWith('/frames.json'),
    );
    assert.ok(blob);
    assert.equal(others.length, 0);
    const legacy = legacyIndexJson(file);
    await ctx.probe.container.getBlockBlobClient(blob).upload(legacy, Buffer.byteLength(legacy));
    assert.equal((await ctx.probe.downloadBlob(blob)).toString(), legacy);

    await assertFrames(file, [1, 2, 12_345, 20_000]);
  });
});

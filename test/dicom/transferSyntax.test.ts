import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TransferSyntax, describeTransferSyntax, frameStartMarker } from '../../shared/dicom/transferSyntax';

test('the uncompressed syntaxes', () => {
  assert.deepEqual(describeTransferSyntax('1.2.840.10008.1.2'), {
    uid: '1.2.840.10008.1.2',
    explicitVr: false,
    littleEndian: true,
    encapsulated: false,
    deflated: false,
    known: true,
  });
  assert.equal(describeTransferSyntax(TransferSyntax.ExplicitVRLittleEndian).explicitVr, true);
  assert.equal(describeTransferSyntax(TransferSyntax.ExplicitVRBigEndian).littleEndian, false);
  assert.equal(describeTransferSyntax(TransferSyntax.DeflatedExplicitVRLittleEndian).deflated, true);
});

test('compressed syntaxes are encapsulated explicit VR little endian', () => {
  for (const uid of [
    TransferSyntax.JPEGBaseline8Bit,
    TransferSyntax.JPEG2000,
    TransferSyntax.RLELossless,
    TransferSyntax.HTJ2K,
  ]) {
    const info = describeTransferSyntax(uid);
    assert.deepEqual(
      [info.explicitVr, info.littleEndian, info.encapsulated, info.deflated, info.known],
      [true, true, true, false, true],
    );
  }
});

test('an unknown syntax is treated as encapsulated explicit VR little endian (PS3.5 10)', () => {
  const info = describeTransferSyntax('1.2.3.4');
  assert.deepEqual([info.explicitVr, info.littleEndian, info.encapsulated, info.known], [true, true, true, false]);
});

test('frame start markers', () => {
  assert.equal(frameStartMarker(TransferSyntax.JPEGBaseline8Bit), 0xffd8);
  assert.equal(frameStartMarker(TransferSyntax.JPEGLSLossless), 0xffd8);
  assert.equal(frameStartMarker(TransferSyntax.JPEG2000Lossless), 0xff4f);
  assert.equal(frameStartMarker(TransferSyntax.HTJ2KLossless), 0xff4f);
  assert.equal(frameStartMarker(TransferSyntax.RLELossless), undefined);
});

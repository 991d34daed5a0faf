// A transfer syntax stored before UIDs were validated never goes into a header as it is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partContentType } from '../../shared/retrieve/instanceRetrieve';

test('the stored syntax is written only when it is a UID', () => {
  assert.equal(
    partContentType({ kind: 'original', transferSyntax: '1.2.840.10008.1.2.1' }),
    'application/dicom; transfer-syntax=1.2.840.10008.1.2.1',
  );
  assert.equal(
    partContentType({ kind: 'original', transferSyntax: '1.2.840.10008.1.2.1\r\nX-Injected: yes' }),
    'application/dicom',
  );
});

// With DICOM_PUBLIC_BASE_URL set, STOW RetrieveURLs start with it whatever Host the request carries.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { makeDicom, newUid } from '../support/dicomFactory';
import { rawPost } from '../support/rawRequest';
import { useTestServer } from '../support/serverFixture';
import { firstValue, sequence } from '../support/stowClient';

const PUBLIC = 'https://dicom.example.org/gateway';

describe('STOW with DICOM_PUBLIC_BASE_URL', () => {
  const ctx = useTestServer({ env: { DICOM_PUBLIC_BASE_URL: `${PUBLIC}/` } });

  test('a forged Host (valid or not) does not reach the RetrieveURLs', async () => {
    for (const host of ['evil.example.com', 'a"b', 'a%41b']) {
      const study = newUid();
      const reply = await rawPost(
        `${ctx.baseUrl}/v2/studies/${study}`,
        { Host: host, 'Content-Type': 'application/dicom' },
        makeDicom({ studyInstanceUid: study }),
      );
      assert.equal(reply.status, 200, `${host}: ${reply.text}`);
      const body = JSON.parse(reply.text) as DicomJsonDataset;
      assert.equal(firstValue(body, '00081190'), `${PUBLIC}/v2/studies/${study}`);
      const [stored] = sequence(body, '00081199');
      assert.ok(String(firstValue(stored, '00081190')).startsWith(`${PUBLIC}/v2/studies/${study}/series/`));
      assert.ok(!reply.text.includes('evil') && !reply.text.includes('"b'), reply.text);
    }
  });
});

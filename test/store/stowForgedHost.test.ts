// STOW RetrieveURLs under a forged Host: a plain host name is echoed, anything else is a 400, never injected.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { makeDicom } from '../support/dicomFactory';
import { rawPost } from '../support/rawRequest';
import { useTestServer } from '../support/serverFixture';
import { firstValue, sequence } from '../support/stowClient';

const REFERENCED_SOP_SEQUENCE = '00081199';
const RETRIEVE_URL = '00081190';

describe('STOW with a forged Host and no DICOM_PUBLIC_BASE_URL', () => {
  const ctx = useTestServer();

  function stow(host: string) {
    return rawPost(`${ctx.baseUrl}/v2/studies`, { Host: host, 'Content-Type': 'application/dicom' }, makeDicom());
  }

  test('a plain host name and port is what the RetrieveURL starts with', async () => {
    const reply = await stow('dicom.example.org:8443');
    assert.equal(reply.status, 200, reply.text);
    const [stored] = sequence(JSON.parse(reply.text) as DicomJsonDataset, REFERENCED_SOP_SEQUENCE);
    assert.match(
      String(firstValue(stored, RETRIEVE_URL)),
      /^http:\/\/dicom\.example\.org:8443\/v2\/studies\/[\d.]+\/series\//,
    );
  });

  // `user@host` never reaches the app: the Functions library cannot build its request (a 500 from the
  // library). Escapes (`a%41b`) reach it already resolved to a plain name by the library's URL parser.
  test('a Host with quotes, braces or empty labels is refused with 400', async () => {
    for (const host of ['a"b', "evil.example.com'", 'a{b}', 'a..b', 'a`b']) {
      const reply = await stow(host);
      assert.equal(reply.status, 400, `${host}: ${reply.status} ${reply.text}`);
      assert.match(reply.text, /Host is not a valid host name and port/, host);
      assert.ok(!reply.text.includes(host), `the answer echoes ${host}`);
    }
  });
});

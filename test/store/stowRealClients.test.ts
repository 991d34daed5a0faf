// The tutorials' store requests sent by the real clients: the curl binary and Python's urllib3/requests.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Tag } from '../../shared/dicom/tags';
import { FIXTURES_DIR, TUTORIAL } from '../support/fixtures';
import { makeDicom } from '../support/dicomFactory';
import { multipartBody, multipartRelated } from '../support/multipartBody';
import { firstValue, post, sequence } from '../support/stowClient';
import { useTestServer } from '../support/serverFixture';

const run = promisify(execFile);

async function available(command: string, args: string[]): Promise<boolean> {
  try {
    await run(command, args);
    return true;
  } catch {
    return false;
  }
}

describe('STOW-RS with real clients', () => {
  const ctx = useTestServer();
  const dicoms = path.join(FIXTURES_DIR, 'tutorial');

  test("Orthanc's DICOMweb client: a 73-character boundary (two UUIDs), over RFC 2046's 70", async () => {
    const boundary = `${randomUUID()}-${randomUUID()}`;
    assert.equal(boundary.length, 73);
    const result = await post(`${ctx.baseUrl}/v2/studies`, multipartBody([{ body: makeDicom() }], boundary), {
      'Content-Type': multipartRelated(boundary),
      Accept: 'application/dicom+json',
    });
    assert.equal(result.status, 200, result.text);
  });

  test('curl, exactly as the cURL tutorial sends it', async (t) => {
    if (!(await available('curl', ['--version']))) return t.skip('curl is not installed');
    const { stdout } = await run('curl', [
      '--silent',
      '--location',
      '--request',
      'POST',
      `${ctx.baseUrl}/v1/studies`,
      '--header',
      'Accept: application/dicom+json',
      '--header',
      'Content-Type: multipart/related; type="application/dicom"',
      '--header',
      'Authorization: Bearer token-is-ignored-while-auth-is-off',
      '--form',
      `file1=@${dicoms}/red-triangle.dcm;type=application/dicom`,
      '--write-out',
      '\n%{http_code}',
    ]);
    const [body = '', status] = stdout.split(/\n(?=\d{3}$)/);
    assert.equal(status, '200', body);
    const json = JSON.parse(body) as Record<string, { Value?: unknown[] }>;
    const referenced = sequence(json as never, Tag.ReferencedSOPSequence);
    assert.equal(firstValue(referenced[0], Tag.ReferencedSOPInstanceUID), TUTORIAL.redTriangle.sopUid);
  });

  test('Python requests + urllib3 encode_multipart_formdata, as the Python tutorial sends it', async (t) => {
    if (!(await available('python3', ['-c', 'import urllib3, requests']))) {
      return t.skip('python3 with urllib3 and requests is not installed');
    }
    // Two files in one multipart/related POST, then the single-instance POST twice (200, then 409).
    const script = `
import sys, requests
from pathlib import Path
from urllib3.filepost import encode_multipart_formdata, choose_boundary
base_url, d = sys.argv[1], Path(sys.argv[2])
def encode_multipart_related(fields, boundary=None):
    if boundary is None:
        boundary = choose_boundary()
    body, _ = encode_multipart_formdata(fields, boundary)
    return body, str('multipart/related; boundary=%s' % boundary)
client = requests.session()
files = {'file_red': ('dicomfile', (d / 'red-triangle.dcm').read_bytes(), 'application/dicom'),
         'file_green': ('dicomfile', (d / 'green-square.dcm').read_bytes(), 'application/dicom')}
body, content_type = encode_multipart_related(fields=files)
r = client.post(f'{base_url}/studies', body, headers={'Accept': 'application/dicom+json', 'Content-Type': content_type})
print(r.status_code)
blue = (d / 'blue-circle.dcm').read_bytes()
headers = {'Accept': 'application/dicom+json', 'Content-Type': 'application/dicom'}
print(client.post(f'{base_url}/studies', blue, headers=headers).status_code)
print(client.post(f'{base_url}/studies', blue, headers=headers).status_code)
`;
    const { stdout } = await run('python3', ['-c', script, `${ctx.baseUrl}/v2`, dicoms]);
    // red-triangle may already be stored by the curl test (409 for it: 202 overall), or not (200).
    const [pair, first, second] = stdout.trim().split('\n');
    assert.ok(pair === '200' || pair === '202', `multipart POST answered ${pair}`);
    assert.deepEqual([first, second], ['200', '409']);
  });
});

/** Helpers of the bulk update tests: instances to store, the request, polling its operation. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeDicom, newUid } from '../support/dicomFactory';

export interface StoredInstance {
  readonly study: string;
  readonly series: string;
  readonly sop: string;
  readonly file: Buffer;
}

/** `perStudy` instances in each of `studies` new studies, with pixel data, a patient and an accession number. */
export function studyFiles(studies: number, perStudy: number, patientId: string, accession: string): StoredInstance[] {
  return Array.from({ length: studies }, () => {
    const study = newUid();
    const series = newUid();
    return Array.from({ length: perStudy }, (_, i) => {
      const sop = newUid();
      const file = makeDicom({
        studyInstanceUid: study,
        seriesInstanceUid: series,
        sopInstanceUid: sop,
        patientName: 'Old^Name',
        patientId,
        pixelDataBytes: 4096,
        elements: [
          { tag: '00080050', vr: 'SH', value: accession },
          { tag: '00081030', vr: 'LO', value: 'Old description' },
        ],
      });
      file.fill(i + 7, file.length - 2048);
      return { study, series, sop, file };
    });
  }).flat();
}

export function instanceUrl(baseUrl: string, i: StoredInstance): string {
  return `${baseUrl}/v2/studies/${i.study}/series/${i.series}/instances/${i.sop}`;
}

export async function postBulkUpdate(baseUrl: string, body: unknown, prefix = 'v2'): Promise<Response> {
  return fetch(`${baseUrl}/${prefix}/studies/$bulkUpdate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export interface UpdateOperationBody {
  operationId: string;
  type: string;
  status: string;
  percentComplete?: number;
  results?: {
    studyProcessed: number;
    studyUpdated: number;
    studyFailed: number;
    instanceUpdated: number;
    errors?: string[];
  };
}

/** Polls the operation until it is terminal (200). */
export async function settledOperation(href: string, attempts = 1200): Promise<UpdateOperationBody> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const response = await fetch(href).catch(() => undefined);
    if (response) {
      const text = await response.text();
      if (response.status === 200) return JSON.parse(text) as UpdateOperationBody;
      assert.equal(response.status, 202, text);
    }
    await sleep(100);
  }
  throw new Error(`operation ${href} did not finish`);
}

/** The bytes from the Pixel Data element's tag to the end. */
export function pixelDataTail(file: Buffer): Buffer {
  const at = file.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
  assert.ok(at > 0, 'the file has pixel data');
  return file.subarray(at);
}

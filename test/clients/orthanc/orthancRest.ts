/** The few calls of Orthanc's REST API (and of its DICOMweb plugin's client API) the tests make. */
import assert from 'node:assert/strict';

/** POST /instances: Orthanc's identifiers of the stored instance and its study. */
export interface StoredInOrthanc {
  readonly ID: string;
  readonly ParentStudy: string;
  readonly Status: string;
}

/** GET /studies/{id}/instances: one element per instance. */
export interface OrthancInstance {
  readonly ID: string;
  readonly MainDicomTags: { readonly SOPInstanceUID?: string };
}

export class OrthancRest {
  constructor(private readonly url: string) {}

  uploadInstance(file: Buffer): Promise<StoredInOrthanc> {
    return this.json('POST', '/instances', file, 'application/dicom');
  }

  studyInstances(orthancStudyId: string): Promise<OrthancInstance[]> {
    return this.json('GET', `/studies/${orthancStudyId}/instances`);
  }

  studies(): Promise<string[]> {
    return this.json('GET', '/studies');
  }

  async deleteStudy(orthancStudyId: string): Promise<void> {
    await this.json('DELETE', `/studies/${orthancStudyId}`);
  }

  async instanceFile(orthancInstanceId: string): Promise<Buffer> {
    const response = await fetch(`${this.url}/instances/${orthancInstanceId}/file`);
    assert.equal(response.status, 200, `GET /instances/${orthancInstanceId}/file`);
    return Buffer.from(await response.arrayBuffer());
  }

  /** Any JSON call; the body is JSON unless it is a Buffer with its own content type. */
  async json<T>(method: string, route: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const response = await fetch(`${this.url}${route}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': contentType },
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
    });
    const text = await response.text();
    assert.equal(response.status, 200, `Orthanc ${method} ${route} answered ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  }
}

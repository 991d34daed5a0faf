/**
 * The storage calls of a whole-study retrieve made with the raw Azure SDK, without the server: the
 * index query for the study's visible instances, then the study's files downloaded in order with
 * the server's look-ahead (shared/retrieve/lookahead.ts). Used by the raw side of bench/wado.ts and
 * by the pass-through function (bench/passThroughApp.ts).
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { odata, TableClient } from '@azure/data-tables';
import { DOWNLOADS_IN_FLIGHT } from '../shared/retrieve/lookahead';

/** The default partition's instance index and file container (shared/storage/clients.ts, default settings). */
const INSTANCES_TABLE = 'dicomInstances';
const FILES_CONTAINER = 'dicomweb';
/** The columns the server's listing selects (retrieveInstances in shared/retrieve/instanceRetrieve.ts). */
const LISTED_COLUMNS = [
  'RowKey',
  'State',
  'Version',
  'SeriesInstanceUID',
  'SOPInstanceUID',
  'TransferSyntaxUID',
  'FileSize',
];

export interface StudyFile {
  readonly name: string;
  readonly bytes: number;
}

export class RawStudyCalls {
  private readonly files = new Map<string, readonly StudyFile[]>();
  private readonly container: ContainerClient;
  private readonly instances: TableClient;

  constructor(connectionString: string) {
    this.container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(FILES_CONTAINER);
    this.instances = TableClient.fromConnectionString(connectionString, INSTANCES_TABLE, {
      allowInsecureConnection: true,
    });
  }

  /**
   * The study's file blobs, listed once and then remembered: the listing is how this bench finds
   * them, not a call the server makes per retrieve.
   */
  async filesOf(study: string): Promise<readonly StudyFile[]> {
    let files = this.files.get(study);
    if (!files) {
      const found: StudyFile[] = [];
      for await (const blob of this.container.listBlobsFlat({ prefix: `${study}/` })) {
        if (blob.name.endsWith('/file.dcm')) found.push({ name: blob.name, bytes: blob.properties.contentLength ?? 0 });
      }
      files = found;
      this.files.set(study, files);
    }
    return files;
  }

  /** The server's one index query before a byte is sent: the study's visible instances. */
  async countVisible(study: string): Promise<number> {
    const filter = odata`PartitionKey eq ${study} and State eq 'created'`;
    let count = 0;
    for await (const page of this.instances
      .listEntities({ queryOptions: { filter, select: LISTED_COLUMNS } })
      .byPage()) {
      count += page.length;
    }
    return count;
  }

  /** Each file's body in order, `depth` downloads open at once; each must be read to its end before the next. */
  async *bodies(files: readonly StudyFile[], depth = DOWNLOADS_IN_FLIGHT): AsyncGenerator<AsyncIterable<Buffer>> {
    const open = (file: StudyFile) => this.container.getBlobClient(file.name).download();
    const window: ReturnType<typeof open>[] = [];
    let next = 0;
    while (next < files.length || window.length > 0) {
      while (next < files.length && window.length < depth) window.push(open(files[next++] as StudyFile));
      const body = (await (window.shift() as ReturnType<typeof open>)).readableStreamBody;
      if (!body) throw new Error('a download without a body');
      yield body as AsyncIterable<Buffer>;
    }
  }

  /** The whole retrieve's storage calls, every byte read and dropped; returns the bytes. */
  async readStudy(study: string): Promise<number> {
    const files = await this.filesOf(study);
    if ((await this.countVisible(study)) !== files.length) throw new Error(`study ${study}: index and files disagree`);
    let bytes = 0;
    for await (const body of this.bodies(files)) for await (const chunk of body) bytes += chunk.length;
    return bytes;
  }
}

/**
 * The raw Azure SDK doing the storage calls of a whole-study retrieve, without the server: the
 * study's files downloaded in order with the server's look-ahead (shared/retrieve/lookahead.ts),
 * each read to its end. The server's figure divided by this one is the part of the local ceiling
 * it reaches (issue 17: at least 90 %).
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { DOWNLOADS_IN_FLIGHT } from '../shared/retrieve/lookahead';

const MB = 1e6;

export interface RawStudyFigures {
  readonly megabytesPerSecond: number;
  readonly files: number;
  readonly depth: number;
}

export async function rawStudyDownload(
  connectionString: string,
  containerName: string,
  studyInstanceUid: string,
  rounds: number,
  depth = DOWNLOADS_IN_FLIGHT,
): Promise<RawStudyFigures> {
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat({ prefix: `${studyInstanceUid}/` })) {
    if (blob.name.endsWith('/file.dcm')) names.push(blob.name);
  }
  if (names.length === 0) throw new Error(`no files of study ${studyInstanceUid} in container ${containerName}`);
  await readAll(container, names, depth); // warm-up, as the server's first request
  let bytes = 0;
  const started = performance.now();
  for (let i = 0; i < rounds; i += 1) bytes += await readAll(container, names, depth);
  const seconds = (performance.now() - started) / 1000;
  return { megabytesPerSecond: bytes / MB / seconds, files: names.length, depth };
}

/** Every file in order, `depth` downloads open at once, each drained to its end. */
async function readAll(container: ContainerClient, names: readonly string[], depth: number): Promise<number> {
  const open = (name: string) => container.getBlobClient(name).download();
  const window: ReturnType<typeof open>[] = [];
  let next = 0;
  let bytes = 0;
  while (next < names.length || window.length > 0) {
    while (next < names.length && window.length < depth) window.push(open(names[next++] as string));
    const response = await (window.shift() as ReturnType<typeof open>);
    const body = response.readableStreamBody;
    if (!body) throw new Error('a download without a body');
    for await (const chunk of body) bytes += (chunk as Buffer).length;
  }
  return bytes;
}

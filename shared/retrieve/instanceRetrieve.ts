/**
 * Retrieve instances (WADO-RS, PS3.18 10.4.1.1.1): the files of a study, a series or one
 * instance, as stored or converted to Explicit VR Little Endian (compressed pixels decoded),
 * streamed part by part.
 */
import { Readable } from 'node:stream';
import type { HttpResponseInit } from '@azure/functions';
import { listVisibleInstances, type VisibleInstance } from '../storage/instanceQueries';
import { ensureStorage } from '../storage/provision';
import { TransferSyntax } from '../dicom/transferSyntax';
import { openBlob, type OpenedBlob } from './blobReads';
import { inflateToExplicitLittleEndian } from './deflatedToExplicitLittleEndian';
import { transcodeToExplicitLittleEndian, type TranscodableSyntax } from './explicitLittleEndianTranscoder';
import { negotiateInstances } from './instanceNegotiation';
import { fileBlobOf } from './instanceKeys';
import { partsWithLookahead } from './lookahead';
import { multipartBody, multipartContentType, multipartLength, newBoundary } from './multipartWriter';
import { notFound, type RetrieveScope } from './retrieveScope';
import { planSyntax, type SyntaxPlan } from './syntaxPlan';
import { isUidGrammar } from '../dicom/uid';
import { getConfig } from '../config';
import { asOriginal, ORIGINAL_COLUMNS } from './originalVersion';
import { checkTranscodedFileSize, decodeInstance } from './decodedInstance';

const DICOM = 'application/dicom';

interface PlannedInstance {
  readonly blobName: string;
  readonly fileSize: number | undefined;
  readonly plan: SyntaxPlan;
}

export async function retrieveInstances(
  scope: RetrieveScope,
  accept: string | null,
  original = false,
): Promise<HttpResponseInit> {
  const representation = negotiateInstances(accept, scope.level === 'instance');
  await ensureStorage();
  // The listing (keys and syntaxes only) comes first: a 404 or a 406 must be decided before any byte is sent.
  const planned: PlannedInstance[] = [];
  const columns = ['TransferSyntaxUID', 'FileSize', ...(original ? ORIGINAL_COLUMNS : [])];
  for await (const listed of listVisibleInstances(scope, columns)) {
    const instance = original ? asOriginal(listed) : listed;
    planned.push(planInstance(scope.studyInstanceUid, instance, representation.transferSyntax));
  }
  const first = planned[0];
  if (!first) throw notFound(scope.level);

  if (!representation.multipart) {
    if (first.plan.kind === 'pixels') {
      // Decoded before the status is sent, so a codec failure is still a 406.
      const decoded = await decodeInstance(openBlob(first.blobName), first.plan.transferSyntax);
      return {
        status: 200,
        headers: { 'Content-Type': partContentType(first.plan), 'Content-Length': String(decoded.length) },
        body: decoded,
      };
    }
    const headers: Record<string, string> = { 'Content-Type': partContentType(first.plan) };
    if (first.plan.kind === 'original' && first.fileSize !== undefined)
      headers['Content-Length'] = String(first.fileSize);
    return { status: 200, headers, body: Readable.from(partBytes(first, openBlob(first.blobName))) };
  }
  const boundary = newBoundary();
  const headers: Record<string, string> = { 'Content-Type': multipartContentType(DICOM, boundary) };
  const length = storedLength(planned, boundary);
  if (length !== undefined) headers['Content-Length'] = String(length);
  return {
    status: 200,
    headers,
    body: Readable.from(
      multipartBody(
        partsWithLookahead(
          planned,
          (instance) => openBlob(instance.blobName),
          (instance, blob) => ({ contentType: partContentType(instance.plan), body: partBytes(instance, blob) }),
        ),
        boundary,
      ),
    ),
  };
}

function planInstance(study: string, instance: VisibleInstance, requested: string): PlannedInstance {
  const stored = typeof instance.TransferSyntaxUID === 'string' ? instance.TransferSyntaxUID : '';
  const fileSize = typeof instance.FileSize === 'number' ? instance.FileSize : undefined;
  const plan = planSyntax(stored, requested);
  if (plan.kind === 'pixels') checkTranscodedFileSize(fileSize);
  return { blobName: fileBlobOf(study, instance), fileSize, plan };
}

/** The body's length when every part is a stored file of known size, sent as it is. */
function storedLength(planned: readonly PlannedInstance[], boundary: string): number | undefined {
  const parts: { contentType: string; bytes: number }[] = [];
  for (const instance of planned) {
    if (instance.plan.kind !== 'original' || instance.fileSize === undefined) return undefined;
    parts.push({ contentType: partContentType(instance.plan), bytes: instance.fileSize });
  }
  return multipartLength(parts, boundary);
}

function partBytes(instance: PlannedInstance, blob: OpenedBlob): AsyncGenerator<Buffer> {
  const { plan } = instance;
  if (plan.kind === 'original') {
    return instance.fileSize === undefined
      ? blob.chunks()
      : exactly(blob.chunks(), instance.fileSize, instance.blobName);
  }
  if (plan.kind === 'pixels') return decodedChunks(blob, plan.transferSyntax);
  // A store reads at most DICOM_MAX_HEADER_BYTES, plus the chunk that crossed it, before the
  // identifiers (which follow the File Meta group): twice the setting holds every stored group.
  const maxHeaderBytes = 2 * getConfig().store.maxHeaderBytes;
  if (plan.from === TransferSyntax.DeflatedExplicitVRLittleEndian) {
    return inflateToExplicitLittleEndian(blob.chunks(), maxHeaderBytes);
  }
  return transcodeToExplicitLittleEndian(blob.chunks(), plan.from as TranscodableSyntax, maxHeaderBytes);
}

/**
 * The stored file's bytes, failing the response if they are not the size the index recorded: its
 * Content-Length was promised from that size, and a client must see a broken response rather than
 * a part that runs into the next one.
 */
async function* exactly(chunks: AsyncGenerator<Buffer>, size: number, blobName: string): AsyncGenerator<Buffer> {
  let sent = 0;
  for await (const chunk of chunks) {
    sent += chunk.length;
    if (sent > size) break;
    yield chunk;
  }
  if (sent !== size) throw new Error(`The stored file ${blobName} is not the ${size} bytes its index entry records.`);
}

async function* decodedChunks(blob: OpenedBlob, target: string): AsyncGenerator<Buffer> {
  yield await decodeInstance(blob, target);
}

/**
 * The stored syntax goes into a header: one stored before its UID was validated (with CR/LF, say)
 * is left out rather than written.
 */
export function partContentType(plan: SyntaxPlan): string {
  return isUidGrammar(plan.transferSyntax) ? `${DICOM}; transfer-syntax=${plan.transferSyntax}` : DICOM;
}

/** Finds the DICOM files to upload and reads the UIDs that identify each (for resume). */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { getString } from '../../shared/dicom/dicomJson';
import { Part10StreamParser } from '../../shared/dicom/part10StreamParser';
import { Tag } from '../../shared/dicom/tags';

export interface DicomFile {
  readonly path: string;
  readonly size: number;
  readonly study: string;
  readonly series: string;
  readonly sop: string;
}

export interface Skipped {
  readonly path: string;
  readonly reason: string;
}

/** The bytes read at most to find a file's UIDs (they come early in every real file). */
const MAX_HEAD_BYTES = 16 * 1024 * 1024;

/** Every regular file under the paths (folders walked, symbolic links to folders not followed). */
export async function listFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  const walk = async (entry: string): Promise<void> => {
    const info = await stat(entry);
    if (info.isFile()) files.push(entry);
    else if (info.isDirectory()) {
      const children = await readdir(entry, { withFileTypes: true });
      children.sort((a, b) => a.name.localeCompare(b.name));
      for (const child of children) {
        if (child.isDirectory() || child.isFile()) await walk(path.join(entry, child.name));
      }
    }
  };
  for (const entry of paths) await walk(entry);
  return files;
}

/** The file's identifying UIDs, or why it is not a DICOM file this tool can send. */
export async function identify(file: string): Promise<DicomFile | Skipped> {
  const { size } = await stat(file);
  const parser = new Part10StreamParser();
  let read = 0;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) {
      const buffer = chunk as Buffer;
      if (read === 0 && (buffer.length < 132 || buffer.toString('latin1', 128, 132) !== 'DICM')) {
        return { path: file, reason: 'not a DICOM Part 10 file (no DICM prefix)' };
      }
      read += buffer.length;
      parser.write(buffer);
      if (parser.identifiersComplete || read > MAX_HEAD_BYTES) break;
    }
    if (read === 0) return { path: file, reason: 'empty file' };
  } catch (error) {
    return { path: file, reason: `unreadable: ${error instanceof Error ? error.message : String(error)}` };
  }
  const dataset = parser.dataset;
  const study = getString(dataset, Tag.StudyInstanceUID);
  const series = getString(dataset, Tag.SeriesInstanceUID);
  const sop = getString(dataset, Tag.SOPInstanceUID);
  if (!study || !series || !sop) return { path: file, reason: 'no Study, Series or SOP Instance UID' };
  return { path: file, size, study, series, sop };
}

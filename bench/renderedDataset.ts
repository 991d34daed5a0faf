/**
 * The files of the rendered benchmark, made in code: a 512 x 512 CT (12 bits stored, window
 * 40/400), a 30-frame 512 x 512 instance, and a 10-instance study of that CT compressed to JPEG-LS
 * lossless (by dcmjs-codecs, the library the server decodes with) for the transcoding measurement.
 */
import { NativeCodecs, Transcoder } from 'dcmjs-codecs';
import { TransferSyntax } from '../shared/dicom/transferSyntax';
import { makeDicom, newUid, type ElementSpec } from '../test/support/dicomFactory';

export const SIDE = 512;
export const THIRTY_FRAMES = 30;
export const STUDY_INSTANCES = 10;
const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

export interface RenderedInstance {
  readonly file: Buffer;
  readonly study: string;
  readonly series: string;
  readonly sop: string;
}

export interface RenderedDataset {
  readonly ct: RenderedInstance;
  readonly thirty: RenderedInstance;
  readonly compressedStudy: { readonly study: string; readonly files: readonly Buffer[] };
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16LE(value);
  return buffer;
}

/** A phantom: a disc of soft tissue (about 40 HU) with a bright ring, in air, plus noise. */
function phantom(seed: number): Buffer {
  const pixels = Buffer.alloc(SIDE * SIDE * 2);
  let state = seed;
  for (let y = 0; y < SIDE; y += 1) {
    for (let x = 0; x < SIDE; x += 1) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      const r = Math.hypot(x - SIDE / 2, y - SIDE / 2);
      const hu = r < 180 ? 40 : r < 200 ? 1000 : -1000;
      pixels.writeUInt16LE(Math.max(0, Math.min(4095, hu + 1024 + ((state >> 16) % 20))), (y * SIDE + x) * 2);
    }
  }
  return pixels;
}

function ctElements(frames: number, pixels: Buffer): ElementSpec[] {
  return [
    { tag: '00280002', vr: 'US', value: u16(1) },
    { tag: '00280004', vr: 'CS', value: 'MONOCHROME2' },
    ...(frames > 1 ? [{ tag: '00280008', vr: 'IS', value: String(frames) }] : []),
    { tag: '00280010', vr: 'US', value: u16(SIDE) },
    { tag: '00280011', vr: 'US', value: u16(SIDE) },
    { tag: '00280100', vr: 'US', value: u16(16) },
    { tag: '00280101', vr: 'US', value: u16(12) },
    { tag: '00280102', vr: 'US', value: u16(11) },
    { tag: '00280103', vr: 'US', value: u16(0) },
    { tag: '00281050', vr: 'DS', value: '40' },
    { tag: '00281051', vr: 'DS', value: '400' },
    { tag: '00281052', vr: 'DS', value: '-1024' },
    { tag: '00281053', vr: 'DS', value: '1' },
    { tag: '7FE00010', vr: 'OW', value: pixels },
  ];
}

function instance(frames: number, study = newUid(), series = newUid()): RenderedInstance {
  const sop = newUid();
  const pixels = Buffer.concat(Array.from({ length: frames }, (_, k) => phantom(k + 1)));
  const file = makeDicom({
    studyInstanceUid: study,
    seriesInstanceUid: series,
    sopInstanceUid: sop,
    sopClassUid: CT_IMAGE_STORAGE,
    modality: 'CT',
    elements: ctElements(frames, pixels),
  });
  return { file, study, series, sop };
}

export async function buildRenderedDataset(): Promise<RenderedDataset> {
  await NativeCodecs.initializeAsync();
  const study = newUid();
  const series = newUid();
  const files = Array.from({ length: STUDY_INSTANCES }, () => {
    const { file } = instance(1, study, series);
    const transcoder = new Transcoder(new Uint8Array(file).buffer);
    transcoder.transcode(TransferSyntax.JPEGLSLossless);
    return Buffer.from(transcoder.getDicomPart10());
  });
  return { ct: instance(1), thirty: instance(THIRTY_FRAMES), compressedStudy: { study, files } };
}

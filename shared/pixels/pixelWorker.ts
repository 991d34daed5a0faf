/**
 * A pixel worker thread: decodes, renders and encodes images with WebAssembly codecs (dcmjs-codecs,
 * dcmjs-imaging) and libvips (sharp), so no codec runs on the event loop that serves requests.
 * One task at a time; its inputs and outputs are transferred, not copied.
 */
import { parentPort } from 'node:worker_threads';
import * as dcmjs from 'dcmjs';
import { NativeCodecs, Transcoder, log as codecsLog } from 'dcmjs-codecs';
import { DicomImage, NativePixelDecoder, WindowLevel, log as imagingLog } from 'dcmjs-imaging';
import sharp from 'sharp';
import { Tag } from '../dicom/tags';
import { TransferSyntax } from '../dicom/transferSyntax';
import { frameTooLarge, instanceTooLarge, type ImageGeometry } from './pixelLimits';
import { SpliceTooLarge, splicedDecode } from './splicedDecode';
import type { FrameSource, PixelResult, PixelTask, RenderOutput } from './pixelTasks';

const EXPLICIT_VR_LITTLE_ENDIAN = TransferSyntax.ExplicitVRLittleEndian;
const TRANSCODE_TARGETS: ReadonlySet<string> = new Set([EXPLICIT_VR_LITTLE_ENDIAN, TransferSyntax.JPEG2000Lossless]);
const NATIVE_SYNTAXES: ReadonlySet<string> = new Set([
  TransferSyntax.ImplicitVRLittleEndian,
  EXPLICIT_VR_LITTLE_ENDIAN,
  TransferSyntax.ExplicitVRBigEndian,
]);

class TooLarge extends Error {}

/**
 * JPEG processes the codec library decodes but does not list by UID: its JPEG decoder reads the
 * process from the code stream (SOF marker), so these are handed over under a listed UID.
 */
const CODEC_SYNTAX_ALIASES: Readonly<Record<string, string>> = {
  [TransferSyntax.JPEGExtended12Bit]: TransferSyntax.JPEGBaseline8Bit,
  [TransferSyntax.JPEGLossless]: TransferSyntax.JPEGLosslessSV1,
};

function codecSyntaxOf(uid: string): string {
  return CODEC_SYNTAX_ALIASES[uid] ?? uid;
}

// One libvips thread per worker: the pool's size is then the bound on CPU used for pixels.
sharp.concurrency(1);
sharp.cache(false);
dcmjs.log.setLevel('silent');
// dcmjs reports unknown VRs (OL, OV, SV, UV: it predates them) through its own validation logger.
dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');
codecsLog.setLevel('silent');
imagingLog.setLevel('silent');

const ready = Promise.all([NativeCodecs.initializeAsync(), NativePixelDecoder.initializeAsync()]);

parentPort?.on('message', (task: PixelTask) => {
  void run(task).then((result) => {
    parentPort?.postMessage(result, result.ok ? [result.bytes.buffer as ArrayBuffer] : []);
  });
});

async function run(task: PixelTask): Promise<PixelResult> {
  try {
    await ready;
    const bytes =
      task.kind === 'render'
        ? await render(task, task.output)
        : task.kind === 'decodeFrame'
          ? decodeFrame(frameHeader(task.header), task.frame, task.target)
          : transcodeFile(task.file, task.target);
    return { ok: true, bytes: ownBuffer(bytes) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof TooLarge) return { ok: false, failure: { kind: 'tooLarge', message } };
    return { ok: false, failure: { kind: 'unconvertible', message } };
  }
}

/** Bytes that alone fill their ArrayBuffer, so it can be transferred (a pooled Buffer's cannot). */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  return new Uint8Array(bytes);
}

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function transferSyntaxOf(meta: Record<string, { Value?: unknown[] }>): string {
  const value = meta[Tag.TransferSyntaxUID]?.Value?.[0];
  return typeof value === 'string' ? value : '';
}

/** The attributes before Pixel Data, as dcmjs's named elements, and the file's transfer syntax. */
function readHeader(header: Uint8Array): { elements: Record<string, unknown>; transferSyntax: string } {
  const file = dcmjs.data.DicomMessage.readFile(arrayBufferOf(header), {
    untilTag: Tag.PixelData,
    includeUntilTagValue: false,
    ignoreErrors: true,
  });
  const transferSyntax = codecSyntaxOf(transferSyntaxOf(file.meta));
  return { elements: dcmjs.data.DicomMetaDictionary.naturalizeDataset(file.dict), transferSyntax };
}

function geometryOf(elements: Record<string, unknown>): ImageGeometry {
  const number = (name: string, fallback: number): number => {
    const value = Number(elements[name] ?? fallback);
    return Number.isFinite(value) ? value : fallback;
  };
  return {
    rows: number('Rows', 0),
    columns: number('Columns', 0),
    samplesPerPixel: number('SamplesPerPixel', 1),
    bitsAllocated: number('BitsAllocated', 8),
    frames: number('NumberOfFrames', 1),
  };
}

type ParsedHeader = { readonly elements: Record<string, unknown>; readonly transferSyntax: string };

/** The header read and checked for one frame's decoding: 406 for an image too large to decode. */
function frameHeader(header: Uint8Array): ParsedHeader {
  const parsed = readHeader(header);
  const geometry = geometryOf(parsed.elements);
  if (geometry.rows <= 0 || geometry.columns <= 0) throw new Error('The instance has no Rows or Columns.');
  const tooLarge = frameTooLarge(geometry);
  if (tooLarge) throw new TooLarge(tooLarge);
  return parsed;
}

/** The header's elements (a copy: the codec rewrites them) with one frame as the whole pixel data. */
function oneFrameImage(header: ParsedHeader, frame: Uint8Array): ParsedHeader {
  const elements = { ...header.elements, NumberOfFrames: 1, PixelData: [arrayBufferOf(frame)] };
  return { elements, transferSyntax: header.transferSyntax };
}

/**
 * Compressed frames are decoded by dcmjs-codecs first (its output matches DCMTK's decoders; the
 * renderer's own RLE path misreads colour), so the renderer only ever sees native pixels.
 */
async function render(source: FrameSource, output: RenderOutput): Promise<Uint8Array> {
  const { elements, transferSyntax } = oneFrameImage(frameHeader(source.header), source.frame);
  const image = NATIVE_SYNTAXES.has(transferSyntax)
    ? new DicomImage(elements, transferSyntax)
    : new DicomImage(decodedElements(elements, transferSyntax), EXPLICIT_VR_LITTLE_ENDIAN);
  const windowLevel = output.window ? new WindowLevel(output.window.width, output.window.center) : undefined;
  const rendered = image.render({ frame: 0, ...(windowLevel ? { windowLevel } : {}) });
  const raw = sharp(Buffer.from(rendered.pixels), {
    raw: { width: rendered.width, height: rendered.height, channels: 4 },
  });
  // Grey images are encoded with one channel: a third of the samples to compress, and smaller files.
  const photometric = elements.PhotometricInterpretation;
  const grey = typeof photometric === 'string' && /^MONOCHROME[12]$/.test(photometric);
  let pipeline = grey ? raw.extractChannel(0) : raw.removeAlpha();
  if (output.viewport) {
    pipeline = pipeline.resize(output.viewport.width, output.viewport.height, { fit: 'inside' });
  }
  const encoded =
    output.format === 'png'
      ? await pipeline.png().toBuffer()
      : await pipeline.jpeg({ quality: output.quality }).toBuffer();
  return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

/** The elements with their pixel data decoded (and YBR JPEG data converted to RGB, as the codec does). */
function decodedElements(elements: Record<string, unknown>, transferSyntax: string): Record<string, unknown> {
  return convertedElements(elements, transferSyntax, EXPLICIT_VR_LITTLE_ENDIAN);
}

function convertedElements(elements: Record<string, unknown>, from: string, to: string): Record<string, unknown> {
  checkEncodable(elements, from, to);
  const transcoder = new Transcoder(elements, from);
  transcoder.transcode(to);
  return transcoder.getElements();
}

function decodeFrame(header: ParsedHeader, frameBytes: Uint8Array, target: string): Uint8Array {
  if (!TRANSCODE_TARGETS.has(target)) throw new Error(`Conversion to ${target} is not offered.`);
  const { elements, transferSyntax } = oneFrameImage(header, frameBytes);
  const pixels = convertedElements(elements, transferSyntax, target).PixelData;
  const frame = Array.isArray(pixels) ? (pixels[0] as ArrayBuffer | undefined) : undefined;
  if (!frame) throw new Error('The codec produced no pixels.');
  return new Uint8Array(frame);
}

/**
 * The JPEG 2000 encoder turns native YBR pixels into RGB but leaves the Photometric
 * Interpretation at YBR (found by decoding its output with OpenJPEG): refused rather than sent
 * mislabelled. Compressed YBR sources are decoded to RGB first and are fine.
 */
function checkEncodable(elements: Record<string, unknown>, from: string, to: string): void {
  const photometric = elements.PhotometricInterpretation;
  if (to !== TransferSyntax.JPEG2000Lossless || !NATIVE_SYNTAXES.has(from)) return;
  if (typeof photometric === 'string' && photometric.startsWith('YBR')) {
    throw new Error(
      `JPEG 2000 encoding of native ${photometric} pixels is not offered; ask for Explicit VR Little Endian.`,
    );
  }
}

function transcodeFile(file: Uint8Array, target: string): Uint8Array {
  if (target === EXPLICIT_VR_LITTLE_ENDIAN) {
    const spliced = splice(file);
    if (spliced) return spliced;
  }
  return transcodeDataset(file, target);
}

/** Grey compressed files keep every stored byte but their syntax and pixels (splicedDecode.ts). */
function splice(file: Uint8Array): Uint8Array | undefined {
  try {
    // Every frame shares the header: it is read once, not once a frame.
    let parsed: ParsedHeader | undefined;
    return splicedDecode(Buffer.from(file.buffer, file.byteOffset, file.byteLength), (header, frame) => {
      parsed ??= frameHeader(header);
      return decodeFrame(parsed, frame, EXPLICIT_VR_LITTLE_ENDIAN);
    });
  } catch (error) {
    if (error instanceof SpliceTooLarge) throw new TooLarge(error.message);
    throw error;
  }
}

/** The codec library's whole-dataset conversion (dcmjs reads and rewrites every element). */
function transcodeDataset(file: Uint8Array, target: string): Uint8Array {
  const parsed = dcmjs.data.DicomMessage.readFile(arrayBufferOf(file));
  const stored = transferSyntaxOf(parsed.meta);
  const elements = dcmjs.data.DicomMetaDictionary.naturalizeDataset(parsed.dict);
  const transcoder = new Transcoder(elements, codecSyntaxOf(stored));
  const tooLarge = instanceTooLarge(geometryOf(transcoder.getElements()));
  if (tooLarge) throw new TooLarge(tooLarge);
  if (!TRANSCODE_TARGETS.has(target)) throw new Error(`Conversion to ${target} is not offered.`);
  checkEncodable(transcoder.getElements(), codecSyntaxOf(stored), target);
  transcoder.transcode(target);
  return new Uint8Array(transcoder.getDicomPart10());
}

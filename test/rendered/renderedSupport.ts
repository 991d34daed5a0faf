/** Helpers of the rendered-image tests: storing fixtures and decoding the returned images. */
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { getString } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import { parseDicom } from '../retrieve/retrieveSupport';

export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** [r, g, b] (grey images repeat the one sample) at pixel (x, y). */
  at(x: number, y: number): [number, number, number];
}

/** A returned JPEG or PNG decoded by libvips (sharp), independently of how it was made. */
export async function decodeImage(body: Buffer): Promise<DecodedImage> {
  const { data, info } = await sharp(body).raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  return {
    width,
    height,
    channels,
    at(x, y) {
      const i = (y * width + x) * channels;
      const sample = (c: number): number => data[i + Math.min(c, channels - 1)] ?? -1;
      return channels >= 3 ? [sample(0), sample(1), sample(2)] : [sample(0), sample(0), sample(0)];
    },
  };
}

/** The instance URL of a Part 10 file. */
export function instanceUrl(baseUrl: string, file: Buffer): string {
  const { dataset } = parseDicom(file);
  const uid = (tag: string): string => getString(dataset, tag) ?? '';
  return `${baseUrl}/v2/studies/${uid(Tag.StudyInstanceUID)}/series/${uid(Tag.SeriesInstanceUID)}/instances/${uid(Tag.SOPInstanceUID)}`;
}

/** Asserts a colour within `tolerance` per channel (JPEG is lossy). */
export function assertColour(
  actual: readonly [number, number, number],
  expected: readonly [number, number, number],
  tolerance: number,
  what: string,
): void {
  const off = actual.some((value, i) => Math.abs(value - (expected[i] ?? 0)) > tolerance);
  assert.ok(!off, `${what}: expected about ${expected.join(',')}, got ${actual.join(',')}`);
}

/** Asserts that channel `channel` (0 red, 1 green, 2 blue) outweighs the others by `margin`. */
export function assertDominant(
  actual: readonly [number, number, number],
  channel: number,
  margin: number,
  what: string,
): void {
  const main = actual[channel] ?? 0;
  const others = actual.filter((_, i) => i !== channel);
  assert.ok(
    others.every((value) => main - value >= margin),
    `${what}: channel ${channel} should dominate, got ${actual.join(',')}`,
  );
}

/** The messages between the request handlers and the pixel workers (structured-cloned). */

/** How a rendered frame is encoded and sized. */
export interface RenderOutput {
  readonly format: 'jpeg' | 'png';
  /** JPEG quality, 1 to 100. */
  readonly quality: number;
  /** PS3.18 viewport: scale the image to fit inside these pixels, keeping its aspect ratio. */
  readonly viewport?: { readonly width: number; readonly height: number };
  /** PS3.18 window (VOI LUT linear function), replacing the file's own. */
  readonly window?: { readonly center: number; readonly width: number };
}

/** The stored file's bytes before its pixel data, and one frame's bytes (fragments joined). */
export interface FrameSource {
  readonly header: Uint8Array;
  readonly frame: Uint8Array;
}

export type PixelTask =
  | ({ readonly kind: 'render'; readonly output: RenderOutput } & FrameSource)
  /** One frame to native little endian samples, or to a JPEG 2000 lossless code stream. */
  | ({ readonly kind: 'decodeFrame'; readonly target: string } & FrameSource)
  /** A whole Part 10 file to Explicit VR Little Endian or JPEG 2000 lossless. */
  | { readonly kind: 'transcodeFile'; readonly file: Uint8Array; readonly target: string };

/** Why a task failed: the input cannot be converted (406), or is too large to be (406 with advice). */
export type PixelFailure = { readonly kind: 'unconvertible' | 'tooLarge'; readonly message: string };

export type PixelResult =
  { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly failure: PixelFailure };

/**
 * What one request may decode. Decoded pixels cost memory the stored (compressed) size does not
 * show: a 2 MiB JPEG 2000 file can hold a 200 MiB image. These caps are checked from the image
 * attributes before a codec runs.
 */

/** Most pixels (Rows x Columns) of one frame that is decoded or rendered: 6144 x 6144, a large mammogram. */
export const MAX_FRAME_PIXELS = 6144 * 6144;

/**
 * Most decoded bytes of one instance converted whole to Explicit VR Little Endian: the Azure DICOM
 * service's 100 MiB file limit, applied to what the conversion produces.
 */
export const MAX_DECODED_INSTANCE_BYTES = 100 * 1024 * 1024;

/** Most stored bytes of an instance converted whole (the Azure DICOM service's MaxDicomFileSize). */
export const MAX_TRANSCODED_FILE_BYTES = 100 * 1024 * 1024;

export interface ImageGeometry {
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: number;
  readonly frames: number;
}

/** Decoded bytes of one frame. */
export function decodedFrameBytes(image: ImageGeometry): number {
  return image.rows * image.columns * image.samplesPerPixel * Math.ceil(image.bitsAllocated / 8);
}

/** Why one frame cannot be decoded here, or undefined if it can. */
export function frameTooLarge(image: ImageGeometry): string | undefined {
  const pixels = image.rows * image.columns;
  if (pixels <= MAX_FRAME_PIXELS) return undefined;
  return (
    `A frame of ${image.columns} x ${image.rows} pixels is above the limit of ${MAX_FRAME_PIXELS} pixels that are decoded per request. ` +
    "Retrieve the frames in their stored transfer syntax by specifying 'transfer-syntax=*' in the Accept header."
  );
}

/** Why a whole instance cannot be decoded here, or undefined if it can. */
export function instanceTooLarge(image: ImageGeometry): string | undefined {
  const frame = frameTooLarge(image);
  if (frame) return frame;
  const total = decodedFrameBytes(image) * image.frames;
  if (total <= MAX_DECODED_INSTANCE_BYTES) return undefined;
  return (
    `The instance decodes to ${total} bytes, above the limit of ${MAX_DECODED_INSTANCE_BYTES} bytes per request. ` +
    "Retrieve it with its original transfer syntax by specifying 'transfer-syntax=*' in the Accept header, or retrieve its frames."
  );
}

/**
 * Makes an image fit a chat platform's per-file upload limit: as is when it fits, else re-encoded as JPEG at
 * falling quality, then smaller, until it fits. A result the user cannot receive is worse than a lossy one.
 */
import sharp from 'sharp';
import { RfeditError } from '../../errors.ts';
import { sniffImageMime } from '../../jobs/image-store.ts';

export interface UploadableImage {
  bytes: Uint8Array;
  /** File extension matching the bytes, without the dot. */
  extension: 'png' | 'jpg' | 'webp' | 'gif';
  reencoded: boolean;
}

const EXTENSION_OF = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif' } as const;
const JPEG_QUALITIES = [90, 80, 70, 60];
// Each shrink keeps 3/4 of each side (about half the pixels); 8 rounds reach 1/10 of the side before giving up.
const SHRINK_FACTOR = 0.75;
const MAX_SHRINKS = 8;

export async function fitUnderBytes(bytes: Uint8Array, limitBytes: number): Promise<UploadableImage> {
  const mime = sniffImageMime(bytes) ?? 'image/png';
  if (bytes.byteLength <= limitBytes) return { bytes, extension: EXTENSION_OF[mime], reencoded: false };
  const { width = 1, height = 1 } = await sharp(bytes).metadata();
  for (let shrink = 0; shrink <= MAX_SHRINKS; shrink++) {
    const scale = SHRINK_FACTOR ** shrink;
    for (const quality of JPEG_QUALITIES) {
      const candidate = await sharp(bytes)
        .resize(Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale)))
        .flatten({ background: '#ffffff' })
        .jpeg({ quality })
        .toBuffer();
      if (candidate.byteLength <= limitBytes) return { bytes: candidate, extension: 'jpg', reencoded: true };
    }
  }
  throw new RfeditError('result_too_large', 'The result is too large to upload here, even after shrinking it.', {
    details: { sizeBytes: bytes.byteLength, limitBytes },
  });
}

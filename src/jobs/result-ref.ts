/** How a finished edit is recorded: its stored image, with what the bytes say they are. */
import type { EditResult } from '../engine/types.ts';
import { sniffImageMime } from './image-store.ts';
import type { ImageRef } from './types.ts';

export function resultRef(result: EditResult, hash: string): ImageRef {
  return {
    hash,
    mime: sniffImageMime(result.image) ?? result.mime,
    width: result.width,
    height: result.height,
    sizeBytes: result.image.byteLength,
    ...(result.scaledFrom ? { scaledFrom: result.scaledFrom } : {}),
  };
}

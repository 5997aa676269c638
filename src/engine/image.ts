/**
 * Image bytes ↔ the RGB canvas the model works on (sharp). In: EXIF orientation applied, alpha flattened on
 * white, first frame of animations, any colour space or bit depth to 8-bit sRGB, pixel limit checked from the
 * header before decoding. The picture is scaled to fit a pixel budget keeping its aspect ratio, then padded
 * (mirrored) to the model's multiple; after decoding the padding is cropped, so the output has the source's
 * aspect ratio and strength 0 can give back the scaled source exactly. A picture with a side under one multiple
 * (before or after scaling) is refused, naming the minimum, rather than stretched to another shape. Out: PNG, or JPEG/WebP when a byte
 * limit requires it.
 */
import { createHash } from 'node:crypto';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { UserInputError } from '../errors.ts';
import { requireAcceptedImage } from './image-types.ts';

export interface ImageLimits {
  /** Refuse uploads larger than this. */
  maxInputBytes: number;
  /** Refuse images whose header declares more pixels than this (decompression bombs). */
  maxInputPixels: number;
  /** Scale down to at most this many pixels (about 1 MP for FLUX.1). */
  pixelBudget: number;
  /** Sides of the working canvas are multiples of this (the model's pixelMultiple). */
  multiple: number;
}

export interface PreparedImage {
  /** RGB HWC bytes of the padded canvas. */
  rgb: Uint8Array;
  canvasWidth: number;
  canvasHeight: number;
  /** The picture inside the canvas (top-left), at the source's aspect ratio. */
  width: number;
  height: number;
  sourceWidth: number;
  sourceHeight: number;
  /** sha256 of the uploaded bytes. */
  sourceHash: string;
}

function unreadable(cause: unknown): UserInputError {
  return new UserInputError(
    'image_unreadable',
    'I could not read that file as an image. Please send a JPEG, PNG, WebP or GIF.',
    {
      cause,
    },
  );
}

/**
 * Scale to fit the budget (never up), keeping the aspect ratio: a side is never stretched, only padded to the
 * multiple (and cropped again after decoding). Sides can come out under one multiple; prepareImage refuses those.
 */
export function fitToBudget(
  width: number,
  height: number,
  budget: number,
  multiple: number,
): { width: number; height: number } {
  const scale = Math.min(1, Math.sqrt(budget / (width * height)));
  let w = Math.max(1, Math.round(width * scale));
  let h = Math.max(1, Math.round(height * scale));
  // Padding up to the next multiple must not break the budget.
  while (
    Math.ceil(w / multiple) * Math.ceil(h / multiple) * multiple * multiple > budget &&
    (w > multiple || h > multiple)
  ) {
    const shrink =
      Math.sqrt(budget / (Math.ceil(w / multiple) * Math.ceil(h / multiple) * multiple * multiple)) * 0.999;
    w = Math.max(1, Math.floor(w * shrink));
    h = Math.max(1, Math.floor(h * shrink));
  }
  return { width: w, height: h };
}

/**
 * The model sees one multiple (16 px for FLUX.1) as its smallest unit, so a side under it would be mostly padding
 * and an edit of nothing; refuse rather than stretch the picture to a different shape.
 */
function checkSides(width: number, height: number, fit: { width: number; height: number }, limits: ImageLimits): void {
  const min = limits.multiple;
  const size = `${width}×${height}`;
  if (Math.min(width, height) < min) {
    throw new UserInputError(
      'image_too_small',
      `That image is ${size} pixels; each side must be at least ${min} pixels.`,
      {
        details: { width, height, minSide: min },
      },
    );
  }
  if (Math.min(fit.width, fit.height) < min) {
    throw new UserInputError(
      'image_too_narrow',
      `That image is ${size} pixels, too long and thin: scaled to the ${(limits.pixelBudget / 1e6).toPrecision(2)} megapixels the model works at, ` +
        `its short side would be under ${min} pixels. Please crop it to a less extreme shape.`,
      { details: { width, height, minSide: min } },
    );
  }
}

export async function prepareImage(bytes: Uint8Array, limits: ImageLimits): Promise<PreparedImage> {
  if (bytes.length > limits.maxInputBytes) {
    const mb = (n: number) => (n / 1_048_576).toFixed(1);
    throw new UserInputError(
      'image_too_large',
      `That file is ${mb(bytes.length)} MB; the limit is ${mb(limits.maxInputBytes)} MB.`,
      {
        details: { sizeBytes: bytes.length },
      },
    );
  }
  // The same types as the chats take (sharp alone would also read AVIF, TIFF, SVG…).
  requireAcceptedImage(bytes);
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let meta: Metadata;
  try {
    // Only the header is read here, so no pixel limit yet: our own check below names the size.
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (cause) {
    throw unreadable(cause);
  }
  const declaredWidth = meta.width ?? 0;
  const declaredHeight = meta.pageHeight ?? meta.height ?? 0;
  if (declaredWidth <= 0 || declaredHeight <= 0) throw unreadable(new Error('no dimensions in header'));
  if (declaredWidth * declaredHeight > limits.maxInputPixels) {
    throw new UserInputError(
      'image_too_many_pixels',
      `That image is ${declaredWidth}×${declaredHeight} pixels; the limit is ${(limits.maxInputPixels / 1e6).toFixed(0)} megapixels.`,
      { details: { width: declaredWidth, height: declaredHeight } },
    );
  }
  const orientedSwap = (meta.orientation ?? 1) >= 5;
  const sourceWidth = orientedSwap ? declaredHeight : declaredWidth;
  const sourceHeight = orientedSwap ? declaredWidth : declaredHeight;
  const fit = fitToBudget(sourceWidth, sourceHeight, limits.pixelBudget, limits.multiple);
  checkSides(sourceWidth, sourceHeight, fit, limits);
  const canvasWidth = Math.ceil(fit.width / limits.multiple) * limits.multiple;
  const canvasHeight = Math.ceil(fit.height / limits.multiple) * limits.multiple;
  try {
    const { data, info } = await sharp(input, {
      limitInputPixels: limits.maxInputPixels,
      failOn: 'truncated',
      pages: 1,
    })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .resize(fit.width, fit.height, { fit: 'fill', kernel: 'lanczos3' })
      .extend({ right: canvasWidth - fit.width, bottom: canvasHeight - fit.height, extendWith: 'mirror' })
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.width !== canvasWidth || info.height !== canvasHeight || info.channels !== 3) {
      throw new Error(
        `decoded ${info.width}×${info.height}×${info.channels}, expected ${canvasWidth}×${canvasHeight}×3`,
      );
    }
    return {
      rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      canvasWidth,
      canvasHeight,
      width: fit.width,
      height: fit.height,
      sourceWidth,
      sourceHeight,
      sourceHash: createHash('sha256').update(input).digest('hex'),
    };
  } catch (cause) {
    if (cause instanceof UserInputError) throw cause;
    throw unreadable(cause);
  }
}

export type OutputMime = 'image/png' | 'image/jpeg' | 'image/webp';

export interface EncodedImage {
  bytes: Uint8Array;
  mime: OutputMime;
}

function cropped(rgb: Uint8Array, canvasWidth: number, canvasHeight: number, width: number, height: number): Sharp {
  return sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), {
    raw: { width: canvasWidth, height: canvasHeight, channels: 3 },
  }).extract({ left: 0, top: 0, width, height });
}

/**
 * The picture without the padding, as PNG; if that exceeds maxOutputBytes, the best JPEG then WebP quality
 * that fits, and finally a smaller JPEG. Throws if nothing fits.
 */
export async function encodeOutput(
  image: { rgb: Uint8Array; canvasWidth: number; canvasHeight: number; width: number; height: number },
  maxOutputBytes = Infinity,
): Promise<EncodedImage> {
  return encodeWithin(
    () => cropped(image.rgb, image.canvasWidth, image.canvasHeight, image.width, image.height),
    maxOutputBytes,
  );
}

/** PNG, else the best JPEG then WebP quality that fits maxOutputBytes; throws if nothing fits. */
export async function encodeWithin(base: () => Sharp, maxOutputBytes = Infinity): Promise<EncodedImage> {
  const png = await base().png({ compressionLevel: 6 }).toBuffer();
  if (png.length <= maxOutputBytes) return { bytes: png, mime: 'image/png' };
  for (const quality of [92, 85, 75, 60, 45]) {
    const jpeg = await base().jpeg({ quality, mozjpeg: true }).toBuffer();
    if (jpeg.length <= maxOutputBytes) return { bytes: jpeg, mime: 'image/jpeg' };
    const webp = await base().webp({ quality }).toBuffer();
    if (webp.length <= maxOutputBytes) return { bytes: webp, mime: 'image/webp' };
  }
  throw new UserInputError(
    'output_too_large',
    `The result does not fit in ${maxOutputBytes} bytes even as a low-quality JPEG.`,
    {
      details: { maxOutputBytes },
    },
  );
}

/** A small PNG of the canvas for progress previews (longest side at most maxSide). */
export async function previewPng(
  image: { rgb: Uint8Array; canvasWidth: number; canvasHeight: number; width: number; height: number },
  maxSide: number,
): Promise<Uint8Array> {
  return cropped(image.rgb, image.canvasWidth, image.canvasHeight, image.width, image.height)
    .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
    .png({ compressionLevel: 3 })
    .toBuffer();
}

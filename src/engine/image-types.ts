/**
 * Which image files rfedit takes, for every way in (CLI, Discord, Slack, web chat): PNG, JPEG, WebP and GIF,
 * recognised by their bytes. Formats people commonly try that are refused get a message naming them, and
 * iPhone HEIC photos one that says what to do.
 */
import { UserInputError } from '../errors.ts';

export type AcceptedImageMime = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';

export const ACCEPTED_IMAGE_NAMES = 'PNG, JPEG, WebP or GIF';

/** Accepted types by their signature; null for anything else. */
export function sniffImageMime(bytes: Uint8Array): AcceptedImageMime | null {
  if (startsWith(bytes, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (startsWith(bytes, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (startsWith(bytes, 0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

type RefusedKind = 'heic' | 'avif' | 'tiff' | 'svg' | 'bmp';

const REFUSED: Record<RefusedKind, { label: string; mimes: readonly string[]; extensions: readonly string[] }> = {
  heic: {
    label: 'an HEIC photo',
    mimes: ['image/heic', 'image/heif', 'image/heic-sequence', 'image/heif-sequence'],
    extensions: ['heic', 'heif', 'hif'],
  },
  avif: { label: 'an AVIF image', mimes: ['image/avif'], extensions: ['avif'] },
  tiff: { label: 'a TIFF image', mimes: ['image/tiff'], extensions: ['tif', 'tiff'] },
  svg: { label: 'an SVG drawing', mimes: ['image/svg+xml'], extensions: ['svg', 'svgz'] },
  bmp: { label: 'a BMP image', mimes: ['image/bmp', 'image/x-ms-bmp'], extensions: ['bmp'] },
};

const ACCEPTED_EXTENSIONS = ['png', 'jpg', 'jpeg', 'jfif', 'webp', 'gif'];

/** What a file says it is, before its bytes are read: a chat attachment's content type and name. */
export interface DeclaredFile {
  readonly contentType?: string | null;
  readonly name?: string;
}

/** Whether an attachment is meant as a picture (refused formats included, so they get their own answer). */
export function looksLikeImage(file: DeclaredFile): boolean {
  if (file.contentType) return file.contentType.toLowerCase().startsWith('image/');
  const extension = extensionOf(file.name);
  return ACCEPTED_EXTENSIONS.includes(extension) || declaredKind(file) !== null;
}

/** Refuses, before any download, an attachment that says it is a format rfedit cannot read (HEIC, TIFF…). */
export function checkDeclaredFormat(file: DeclaredFile): void {
  const kind = declaredKind(file);
  if (kind !== null) throw refusedFormat(kind, file.name);
}

/** As checkDeclaredFormat, and refuses an attachment that does not say it is an image at all. */
export function checkDeclaredImage(file: DeclaredFile): void {
  checkDeclaredFormat(file);
  if (!looksLikeImage(file)) {
    throw new UserInputError(
      'image_type',
      `${quoted(file.name) ?? 'That file'} is not an image. Please attach a ${ACCEPTED_IMAGE_NAMES} photo.`,
    );
  }
}

/** The bytes' type if rfedit takes it; otherwise the refusal that says why (empty, a named format, or not an image). */
export function requireAcceptedImage(bytes: Uint8Array, filename?: string): AcceptedImageMime {
  if (bytes.byteLength === 0) {
    throw new UserInputError(
      'image_empty',
      `${quoted(filename) ?? 'That file'} is empty (0 bytes). Please send the photo again.`,
    );
  }
  const mime = sniffImageMime(bytes);
  if (mime !== null) return mime;
  const kind = sniffRefusedKind(bytes);
  if (kind !== null) throw refusedFormat(kind, filename);
  throw new UserInputError(
    'image_type',
    `That file is not an image I can read. Please send a ${ACCEPTED_IMAGE_NAMES}.`,
  );
}

function refusedFormat(kind: RefusedKind, filename: string | undefined): UserInputError {
  const what = `${quoted(filename) ?? 'That file'} is ${REFUSED[kind].label}, which I cannot read.`;
  const todo =
    kind === 'heic'
      ? 'iPhone HEIC photos: share them as JPEG, or set Settings › Camera › Formats to “Most Compatible”, then send it again.'
      : `Please send a ${ACCEPTED_IMAGE_NAMES}.`;
  return new UserInputError('image_type', `${what} ${todo}`, { details: { format: kind } });
}

function declaredKind(file: DeclaredFile): RefusedKind | null {
  const mime = file.contentType?.toLowerCase().split(';')[0].trim();
  const extension = extensionOf(file.name);
  for (const [kind, refused] of Object.entries(REFUSED) as [RefusedKind, (typeof REFUSED)[RefusedKind]][]) {
    if ((mime && refused.mimes.includes(mime)) || refused.extensions.includes(extension)) return kind;
  }
  return null;
}

// HEIF and AVIF are ISO media files: an `ftyp` box whose brands name the codec.
const HEIF_BRANDS = ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1'];

function sniffRefusedKind(bytes: Uint8Array): RefusedKind | null {
  if (bytes.length >= 12 && ascii(bytes, 4, 8) === 'ftyp') {
    const boxEnd = Math.min(bytes.length, new DataView(bytes.buffer, bytes.byteOffset).getUint32(0));
    const brands = ascii(bytes, 8, Math.max(12, boxEnd));
    const major = brands.slice(0, 4);
    if (major === 'avif' || major === 'avis' || (HEIF_BRANDS.includes(major) && brands.includes('avif'))) return 'avif';
    if (HEIF_BRANDS.includes(major)) return 'heic';
  }
  if (startsWith(bytes, 0x49, 0x49, 0x2a, 0x00) || startsWith(bytes, 0x4d, 0x4d, 0x00, 0x2a)) return 'tiff';
  if (startsWith(bytes, 0x42, 0x4d)) return 'bmp';
  if (
    /^(\ufeff)?\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!doctype svg[^>]*>\s*)?<svg[\s>]/i.test(
      ascii(bytes, 0, 1024),
    )
  )
    return 'svg';
  return null;
}

function startsWith(bytes: Uint8Array, ...signature: number[]): boolean {
  return signature.every((byte, i) => bytes[i] === byte);
}

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, Math.min(to, bytes.length)));
}

function extensionOf(name: string | undefined): string {
  const dot = name?.lastIndexOf('.') ?? -1;
  return dot === -1 || name === undefined ? '' : name.slice(dot + 1).toLowerCase();
}

function quoted(name: string | undefined): string | null {
  return name ? `“${name}”` : null;
}

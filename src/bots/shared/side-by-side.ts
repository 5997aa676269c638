/** Before and after in one picture, for a Compare button: both scaled to the same height, with a gap between. */
import sharp from 'sharp';

export interface SideBySideOptions {
  /** Height of both halves; taller inputs are scaled down, shorter ones up. @default the result's height, at most 1024 */
  readonly heightPx?: number;
  /** @default 8 */
  readonly gapPx?: number;
}

const MAX_HEIGHT_PX = 1024; // keeps the pair well under chat upload limits

export async function sideBySide(
  before: Uint8Array,
  after: Uint8Array,
  options: SideBySideOptions = {},
): Promise<Uint8Array> {
  const afterMeta = await sharp(after).metadata();
  const heightPx =
    options.heightPx ?? Math.min(MAX_HEIGHT_PX, afterMeta.autoOrient?.height ?? afterMeta.height ?? MAX_HEIGHT_PX);
  const gapPx = options.gapPx ?? 8;
  // rotate() applies EXIF orientation, so a phone photo is compared the way the user sees it.
  const [left, right] = await Promise.all(
    [before, after].map((bytes) =>
      sharp(bytes)
        .rotate()
        .resize({ height: heightPx })
        .flatten({ background: '#ffffff' })
        .png()
        .toBuffer({ resolveWithObject: true }),
    ),
  );
  return sharp({
    create: { width: left.info.width + gapPx + right.info.width, height: heightPx, channels: 3, background: '#ffffff' },
  })
    .composite([
      { input: left.data, left: 0, top: 0 },
      { input: right.data, left: left.info.width + gapPx, top: 0 },
    ])
    .png()
    .toBuffer();
}

import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { UserInputError } from '../../src/errors.ts';
import { encodeOutput, fitToBudget, type ImageLimits, prepareImage } from '../../src/engine/image.ts';
import { photo, rawRgb } from './helpers.ts';

const limits: ImageLimits = { maxInputBytes: 5_000_000, maxInputPixels: 4_000_000, pixelBudget: 64 * 64, multiple: 16 };

async function rejects(bytes: Uint8Array, code: string): Promise<void> {
  const error = await prepareImage(bytes, limits).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserInputError);
  expect((error as UserInputError).code).toBe(code);
}

/** A PNG whose header claims width × height but carries only a sliver of pixel data. */
function bombPng(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const byte of b) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1000))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('fitToBudget', () => {
  it('keeps the aspect ratio and stays within the budget once padded to the multiple', () => {
    const fit = fitToBudget(4000, 3000, 1_048_576, 16);
    expect(fit.width / fit.height).toBeCloseTo(4 / 3, 2);
    expect(Math.ceil(fit.width / 16) * Math.ceil(fit.height / 16) * 256).toBeLessThanOrEqual(1_048_576);
  });

  it('never enlarges a small image', () => {
    expect(fitToBudget(40, 30, 1_048_576, 16)).toEqual({ width: 40, height: 30 });
  });

  it('never stretches a short side up to the multiple: padding, not scaling, makes up the canvas', () => {
    expect(fitToBudget(60_000, 1, 1_048_576, 16)).toEqual({ width: 60_000, height: 1 });
    expect(fitToBudget(1, 1, 1_048_576, 16)).toEqual({ width: 1, height: 1 });
  });
});

describe('prepareImage', () => {
  const solid = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: '#08f' } })
      .png()
      .toBuffer();

  it.each([
    [60_000, 1],
    [1, 1],
    [3, 200],
    [15, 15],
  ])(
    'refuses a %i×%i image, naming the minimum side, instead of padding it into another shape',
    async (width, height) => {
      const error = await prepareImage(await solid(width, height), { ...limits, pixelBudget: 1_048_576 }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UserInputError);
      expect(error).toMatchObject({
        code: 'image_too_small',
        userMessage: `That image is ${width}×${height} pixels; each side must be at least 16 pixels.`,
      });
    },
  );

  it('refuses a strip whose short side would shrink under the minimum at the working size', async () => {
    const error = await prepareImage(await solid(4000, 16), limits).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'image_too_narrow' });
    expect((error as UserInputError).userMessage).toMatch(
      /^That image is 4000×16 pixels, too long and thin: .* under 16 pixels\. Please crop it/,
    );
  });

  it('refuses the same types the chats refuse, though sharp could read them (one policy for CLI and chats)', async () => {
    const tiff = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#08f' } })
      .tiff()
      .toBuffer();
    await expect(prepareImage(tiff, limits)).rejects.toMatchObject({
      code: 'image_type',
      userMessage: expect.stringContaining('a TIFF image'),
    });
  });

  it('keeps the exact shape of a small picture whose sides are just over the minimum', async () => {
    const img = await prepareImage(await solid(40, 17), limits);
    expect([img.width, img.height, img.canvasWidth, img.canvasHeight]).toEqual([40, 17, 48, 32]);
  });

  it('scales the photo into the budget and pads it to multiples of 16', async () => {
    const img = await prepareImage(photo(), limits);
    expect(img.canvasWidth % 16).toBe(0);
    expect(img.canvasHeight % 16).toBe(0);
    expect(img.width / img.height).toBeCloseTo(720 / 477, 1);
    expect(img.rgb).toHaveLength(img.canvasWidth * img.canvasHeight * 3);
    expect([img.sourceWidth, img.sourceHeight]).toEqual([720, 477]);
  });

  it('applies the EXIF orientation', async () => {
    const rotated = await sharp({ create: { width: 60, height: 20, channels: 3, background: '#f00' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const img = await prepareImage(rotated, limits);
    expect([img.sourceWidth, img.sourceHeight]).toEqual([20, 60]);
    expect(img.height).toBeGreaterThan(img.width);
  });

  it('flattens transparency onto white', async () => {
    const clear = await sharp({
      create: { width: 32, height: 32, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const img = await prepareImage(clear, limits);
    expect(Math.min(...img.rgb)).toBe(255);
  });

  it('takes the first frame of an animation', async () => {
    // Two 32×32 frames stacked as pages: red, then blue.
    const frames = Buffer.alloc(32 * 64 * 3);
    for (let i = 0; i < 32 * 64; i++) frames.set(i < 32 * 32 ? [255, 0, 0] : [0, 0, 255], i * 3);
    const gif = await sharp(frames, { raw: { width: 32, height: 64, channels: 3, pageHeight: 32 } as never })
      .gif({ loop: 0 })
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const img = await prepareImage(gif, limits);
    expect([img.width, img.height]).toEqual([32, 32]);
    expect(img.rgb[0]).toBeGreaterThan(200);
    expect(img.rgb[2]).toBeLessThan(60);
  });

  it('converts CMYK to RGB', async () => {
    const cmyk = await sharp(photo()).resize(64).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const img = await prepareImage(cmyk, limits);
    const reference = await prepareImage(await sharp(photo()).resize(64).jpeg().toBuffer(), limits);
    const diff = img.rgb.reduce((a, v, i) => a + Math.abs(v - reference.rgb[i]), 0) / img.rgb.length;
    expect(diff).toBeLessThan(20);
  });

  it('reads 16-bit images as 8-bit', async () => {
    const deep = await sharp(photo()).resize(48).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    const img = await prepareImage(deep, limits);
    expect(img.rgb).toBeInstanceOf(Uint8Array);
    expect(img.rgb).toHaveLength(img.canvasWidth * img.canvasHeight * 3);
  });

  it('refuses an empty file', () => rejects(new Uint8Array(), 'image_empty'));
  it('refuses a file that is not an image', () =>
    rejects(Buffer.from('hello, this is text, not a picture'), 'image_type')); // the shared policy's answer, as in the chats
  it('refuses a corrupt image', async () => {
    const bytes = Buffer.from(photo());
    bytes.fill(0x55, 200, 4000);
    await rejects(bytes, 'image_unreadable');
  });
  it('refuses a truncated image', () => rejects(photo().subarray(0, 20_000), 'image_unreadable'));
  it('refuses a decompression bomb from its header, before decoding', () =>
    rejects(bombPng(100_000, 100_000), 'image_too_many_pixels'));
  it('refuses a file over the byte limit', () => rejects(new Uint8Array(limits.maxInputBytes + 1), 'image_too_large'));
});

describe('encodeOutput', () => {
  const canvas = async () => prepareImage(photo(), { ...limits, pixelBudget: 256 * 256 });

  it('writes PNG by default, cropped to the picture', async () => {
    const img = await canvas();
    const out = await encodeOutput(img);
    expect(out.mime).toBe('image/png');
    const decoded = await rawRgb(out.bytes);
    expect([decoded.width, decoded.height]).toEqual([img.width, img.height]);
  });

  it('falls back to JPEG or WebP to fit a byte limit', async () => {
    const img = await canvas();
    const out = await encodeOutput(img, 30_000);
    expect(['image/jpeg', 'image/webp']).toContain(out.mime);
    expect(out.bytes.length).toBeLessThanOrEqual(30_000);
  });
});

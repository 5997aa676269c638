import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../src/errors.ts';
import {
  checkDeclaredImage,
  looksLikeImage,
  requireAcceptedImage,
  sniffImageMime,
} from '../../src/engine/image-types.ts';
import { heicPhoto } from '../abuse/fixtures/hostile-images.ts';

const solid = () => sharp({ create: { width: 20, height: 20, channels: 3, background: '#c63' } });

function refusal(run: () => unknown): UserInputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UserInputError);
    return error as UserInputError;
  }
  throw new Error('expected a refusal');
}

describe('the one image-type policy (CLI and chats)', () => {
  it('takes PNG, JPEG, WebP and GIF by their bytes, whatever the file is called', async () => {
    expect(requireAcceptedImage(await solid().png().toBuffer(), 'x.jpg')).toBe('image/png');
    expect(requireAcceptedImage(await solid().jpeg().toBuffer())).toBe('image/jpeg');
    expect(requireAcceptedImage(await solid().webp().toBuffer())).toBe('image/webp');
    expect(requireAcceptedImage(await solid().gif().toBuffer())).toBe('image/gif');
  });

  it('names an iPhone HEIC photo and says what to do', () => {
    const error = refusal(() => requireAcceptedImage(heicPhoto(), 'IMG_0001.HEIC'));
    expect(error.code).toBe('image_type');
    expect(error.userMessage).toBe(
      '“IMG_0001.HEIC” is an HEIC photo, which I cannot read. iPhone HEIC photos: share them as JPEG, or set Settings › Camera › Formats to “Most Compatible”, then send it again.',
    );
  });

  it.each([
    ['AVIF', () => solid().avif().toBuffer(), 'an AVIF image'],
    ['TIFF', () => solid().tiff().toBuffer(), 'a TIFF image'],
    [
      'SVG',
      async () => Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'),
      'an SVG drawing',
    ],
  ])('refuses %s, which sharp could read, by name', async (_, make, label) => {
    const made = await make();
    const named = refusal(() => requireAcceptedImage(made, 'picture'));
    expect(named.userMessage).toBe(`“picture” is ${label}, which I cannot read. Please send a PNG, JPEG, WebP or GIF.`);
  });

  it('answers an empty file as empty, and bytes of nothing known as not an image', () => {
    expect(refusal(() => requireAcceptedImage(new Uint8Array(0), 'holiday.jpg'))).toMatchObject({
      code: 'image_empty',
      userMessage: '“holiday.jpg” is empty (0 bytes). Please send the photo again.',
    });
    expect(refusal(() => requireAcceptedImage(new TextEncoder().encode('hello, world')))).toMatchObject({
      code: 'image_type',
      userMessage: 'That file is not an image I can read. Please send a PNG, JPEG, WebP or GIF.',
    });
    expect(sniffImageMime(new Uint8Array(0))).toBeNull();
  });

  it('refuses attachments by what they declare before anything is downloaded', () => {
    expect(refusal(() => checkDeclaredImage({ contentType: 'image/heic', name: 'IMG_0002.HEIC' })).userMessage).toMatch(
      /iPhone HEIC photos/,
    );
    expect(refusal(() => checkDeclaredImage({ name: 'IMG_0003.heif' })).userMessage).toMatch(/iPhone HEIC photos/);
    expect(refusal(() => checkDeclaredImage({ contentType: 'image/tiff', name: 'scan.tiff' })).userMessage).toMatch(
      /a TIFF image/,
    );
    expect(refusal(() => checkDeclaredImage({ contentType: 'text/plain', name: 'notes.txt' })).userMessage).toBe(
      '“notes.txt” is not an image. Please attach a PNG, JPEG, WebP or GIF photo.',
    );
    expect(() => checkDeclaredImage({ contentType: 'image/png', name: 'cat.png' })).not.toThrow();
    expect(() => checkDeclaredImage({ name: 'cat.JPEG' })).not.toThrow();
  });

  it('counts refused formats as images when picking an attachment, so they get their own answer', () => {
    expect(looksLikeImage({ name: 'IMG_0001.HEIC' })).toBe(true);
    expect(looksLikeImage({ contentType: 'image/avif' })).toBe(true);
    expect(looksLikeImage({ name: 'notes.txt' })).toBe(false);
  });
});

import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageStore, sniffImageMime } from '../../src/jobs/image-store.ts';
import { fakePng } from './fixtures/test-engines.ts';

describe('ImageStore', () => {
  let dir: string;
  let images: ImageStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rfedit-images-'));
    images = new ImageStore(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names an image by the sha256 of its bytes and reads the same bytes back', async () => {
    const bytes = fakePng('a');
    const hash = await images.put(bytes);
    expect(hash).toBe(ImageStore.hashOf(bytes));
    expect(await images.get(hash)).toEqual(bytes);
  });

  it('storing the same bytes twice keeps one file', async () => {
    expect(await images.put(fakePng('a'))).toBe(await images.put(fakePng('a')));
    expect(await images.cleanup(Number.POSITIVE_INFINITY, new Set())).toHaveLength(1);
  });

  it('a missing image is a plain "upload it again" error', async () => {
    await expect(images.get('0'.repeat(64))).rejects.toMatchObject({ code: 'image_expired' });
  });

  it('cleanup removes images older than the cutoff unless something still refers to them', async () => {
    const old = await images.put(fakePng('old'));
    const kept = await images.put(fakePng('kept'));
    const fresh = await images.put(fakePng('fresh'));
    const longAgo = new Date(1_000);
    utimesSync(images.pathOf(old), longAgo, longAgo);
    utimesSync(images.pathOf(kept), longAgo, longAgo);
    expect(await images.cleanup(Date.now() - 60_000, new Set([kept]))).toEqual([old]);
    expect(await images.has(old)).toBe(false);
    expect(await images.has(kept)).toBe(true);
    expect(await images.has(fresh)).toBe(true);
  });

  it('an image cleaned up is not served from memory afterwards', async () => {
    const hash = await images.put(fakePng('gone'));
    utimesSync(images.pathOf(hash), new Date(1_000), new Date(1_000));
    await images.cleanup(Date.now() - 60_000, new Set());
    await expect(images.get(hash)).rejects.toMatchObject({ code: 'image_expired' });
  });

  it('the stored bytes do not change when the caller reuses its buffer', async () => {
    const buffer = fakePng('mine');
    const hash = await images.put(buffer);
    buffer.fill(0);
    expect(await images.get(hash)).toEqual(fakePng('mine'));
  });

  it('a second store over the same folder reads what the first wrote', async () => {
    const hash = await images.put(fakePng('shared'));
    expect(await new ImageStore(dir).get(hash)).toEqual(fakePng('shared'));
  });

  it('cleanup also removes leftovers of writes a crash interrupted', async () => {
    const hash = await images.put(fakePng('a'));
    const leftover = `${images.pathOf(hash)}.123.abc.tmp`;
    writeFileSync(leftover, 'partial');
    utimesSync(leftover, new Date(1_000), new Date(1_000));
    await images.cleanup(Date.now() - 60_000, new Set([hash]));
    expect(existsSync(leftover)).toBe(false);
    expect(await images.has(hash)).toBe(true);
  });

  it('recognises PNG, JPEG, WebP and GIF by their first bytes, and nothing else', () => {
    expect(sniffImageMime(fakePng('x'))).toBe('image/png');
    expect(sniffImageMime(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffImageMime(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffImageMime(new TextEncoder().encode('GIF89a'))).toBe('image/gif');
    expect(sniffImageMime(new TextEncoder().encode('<html>'))).toBeNull();
  });
});

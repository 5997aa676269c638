/** The download limits, the CDN host rule, and the image helpers the adapter uses for uploads and Compare. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { isAllowedDownloadUrl } from '../../../src/bots/discord/attachments.ts';
import { fitUnderBytes } from '../../../src/bots/shared/fit-upload.ts';
import { downloadLimited } from '../../../src/bots/shared/limited-download.ts';
import { sideBySide } from '../../../src/bots/shared/side-by-side.ts';
import { UserInputError } from '../../../src/errors.ts';
import { solidPng } from './pixel-engine.ts';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A local server whose every answer is written by `respond`. */
async function serve(respond: Parameters<typeof createServer>[1]): Promise<URL> {
  server = createServer(respond);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/file.png`);
}

function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof UserInputError ? error.code : String(error)),
  );
}

describe('downloadLimited', () => {
  it('returns the bytes of a file within the limit', async () => {
    const url = await serve((_, res) => res.end(Buffer.from('abc')));
    expect(Buffer.from(await downloadLimited(url, { maxBytes: 10, timeoutMs: 5_000 })).toString()).toBe('abc');
  });

  it('refuses by Content-Length before reading the body', async () => {
    const url = await serve((_, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.end(Buffer.alloc(1000));
    });
    expect(await codeOf(downloadLimited(url, { maxBytes: 100, timeoutMs: 5_000 }))).toBe('image_too_large');
  });

  it('stops a body without Content-Length once it passes the limit', async () => {
    const url = await serve((_, res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      for (let i = 0; i < 10; i++) res.write(Buffer.alloc(100));
      res.end();
    });
    expect(await codeOf(downloadLimited(url, { maxBytes: 250, timeoutMs: 5_000 }))).toBe('image_too_large');
  });

  it('gives up on a download that stalls past the time limit', async () => {
    const url = await serve((_, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write(Buffer.alloc(10)); // and never the rest
    });
    const error = await downloadLimited(url, { maxBytes: 1_000, timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as UserInputError).userMessage).toMatch(/took longer than 0.1 s, so I gave up/);
  });

  it('does not follow redirects (a checked URL cannot lead elsewhere)', async () => {
    const url = await serve((_, res) => {
      res.writeHead(302, { location: 'http://example.invalid/x.png' });
      res.end();
    });
    expect(await codeOf(downloadLimited(url, { maxBytes: 1_000, timeoutMs: 5_000 }))).toBe('download_failed');
  });
});

describe('isAllowedDownloadUrl', () => {
  it('allows Discord’s CDN over https only, and extra hosts only when configured', () => {
    expect(isAllowedDownloadUrl(new URL('https://cdn.discordapp.com/attachments/1/2/a.png?ex=1'), [])).toBe(true);
    expect(isAllowedDownloadUrl(new URL('https://media.discordapp.net/attachments/1/2/a.png'), [])).toBe(true);
    expect(isAllowedDownloadUrl(new URL('http://cdn.discordapp.com/a.png'), [])).toBe(false);
    expect(isAllowedDownloadUrl(new URL('https://cdn.discordapp.com.evil.example/a.png'), [])).toBe(false);
    expect(isAllowedDownloadUrl(new URL('https://example.com/a.png'), [])).toBe(false);
    expect(isAllowedDownloadUrl(new URL('http://127.0.0.1:1234/a.png'), [])).toBe(false);
    expect(isAllowedDownloadUrl(new URL('http://127.0.0.1:1234/a.png'), ['127.0.0.1'])).toBe(true);
  });
});

describe('fitUnderBytes', () => {
  it('keeps an image that fits as it is', async () => {
    const png = await solidPng(16, 'x');
    const fitted = await fitUnderBytes(png, 1_000_000);
    expect(fitted).toMatchObject({ extension: 'png', reencoded: false });
    expect(Buffer.from(fitted.bytes).equals(png)).toBe(true);
  });

  it('re-encodes an image over the limit as a JPEG under it', async () => {
    const noisy = await sharp(Buffer.from(Array.from({ length: 128 * 128 * 3 }, (_, i) => (i * 7919) % 251)), {
      raw: { width: 128, height: 128, channels: 3 },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const fitted = await fitUnderBytes(noisy, 8_000);
    expect(fitted.extension).toBe('jpg');
    expect(fitted.bytes.byteLength).toBeLessThanOrEqual(8_000);
    expect((await sharp(fitted.bytes).metadata()).format).toBe('jpeg');
  });
});

describe('sideBySide', () => {
  it('puts both images at the result’s height with a gap between them', async () => {
    const before = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const after = await solidPng(30, 'after');
    const pair = await sharp(await sideBySide(before, after)).metadata();
    expect(pair.height).toBe(30);
    expect(pair.width).toBe(60 + 8 + 30);
  });
});

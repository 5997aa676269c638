/**
 * Issue 15: 100 sockets, each from its own address with its own identity, send 20 MB of a declared 21 MB upload
 * and stall. Before, the server buffered them all (374 MB → 2.33 GB RSS, kept after they closed, none timed out
 * within 75 s). Now the upload budget admits what fits, refuses the rest at once (503), uploads in progress wait in
 * temporary files rather than memory, and the stalled ones are cut at the idle limit (408). The chat runs as its
 * own process so its RSS is its own.
 */
import { readFileSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { temporaryDataDir } from '../bots/web/fixtures/chat-server.ts';
import type { RunningChat } from '../bots/web/fixtures/chat-server.ts';
import { newSession } from '../bots/web/fixtures/web-session.ts';
import { UPLOAD_LIMIT_DEFAULTS } from '../../src/bots/web/upload-gate.ts';
import { startBot } from './fixtures/bot-process.ts';
import { printFigures, refuse, settle, tally } from './fixtures/figures.ts';
import { noisyPng } from './fixtures/hostile-images.ts';
import { sendToChat } from './fixtures/web-client.ts';

const CLIENTS = 100;
const MIB = 1024 * 1024;
const SENT_BYTES = 20 * MIB;
const DECLARED_BYTES = 21 * MIB;
/** The goal for the server under this flood. */
const RSS_GOAL_MB = 600;

const dir = temporaryDataDir();
const bot = startBot(dir.path);
const figures: string[] = [];
afterAll(async () => {
  bot.child.kill('SIGTERM');
  await bot.exited;
  dir.remove();
  printFigures('upload flood');
  console.info(['upload flood: RSS of the web chat process (MB)', ...figures].join('\n'));
});

const rssMb = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${bot.child.pid}/status`, 'utf8'))![1]) / 1024;

interface Upload {
  request: ClientRequest;
  /** Resolves with the status and error code once the server answers, or with 0 if the connection ended first. */
  answer: Promise<{ status: number; code?: string }>;
  /** Resolves when all 20 MB were written, or when sending stopped because the server answered. */
  sent: Promise<void>;
}

/** Sends the message line and 20 MB of a declared 21 MB, then stalls with the request open. */
function stalledUpload(url: string, cookie: string, from: string): Upload {
  const line = Buffer.from(`${JSON.stringify({ text: '/edit flood', filename: 'big.jpg' })}\n`);
  const piece = Buffer.alloc(MIB, 0x42);
  let answered = false;
  const req = request(new URL('/api/send', url), {
    method: 'POST',
    headers: { cookie, 'content-length': line.length + DECLARED_BYTES },
    localAddress: from,
  });
  const answer = new Promise<{ status: number; code?: string }>((resolve) => {
    req.on('response', (response) => {
      answered = true;
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          code: (JSON.parse(text) as { error?: { code: string } }).error?.code,
        }),
      );
      response.on('error', () => resolve({ status: response.statusCode ?? 0 }));
    });
    // A write can fail (EPIPE) after the server answered and stopped reading: the answer may still be on its way.
    req.on('error', () => setTimeout(() => resolve({ status: 0 }), 1_000));
  });
  const sent = (async () => {
    req.write(line);
    for (let written = 0; written < SENT_BYTES && !answered && !req.destroyed; written += piece.length) {
      if (!req.write(piece)) {
        await new Promise<void>((resolve) => {
          const done = () => (req.off('drain', done).off('close', done).off('response', done), resolve());
          req.on('drain', done).on('close', done).on('response', done);
        });
      }
    }
  })();
  return { request: req, answer, sent };
}

describe('web chat', () => {
  const row = tally(`${CLIENTS} stalled 20 MB uploads (declared 21 MB), one per address and identity`, 'web chat');

  it('admits what the budget holds, refuses the rest at once, cuts the stalled ones, and keeps its memory', async () => {
    const url = (await bot.line('listening ')).slice('listening '.length);
    const chat = { url, dataDir: dir.path } as RunningChat;
    await sendToChat(chat, 'warm-up', '/edit warm up', await noisyPng(32)); // the first request loads what every request needs
    const baseline = rssMb();

    const cookies = await Promise.all(Array.from({ length: CLIENTS }, () => newSession(url)));
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 50);
    const uploads = cookies.map(({ cookie }, i) => stalledUpload(url, cookie, `127.0.1.${i + 1}`));
    row.sent = uploads.length;
    await Promise.all(uploads.map((u) => u.sent));
    const whileStalled = rssMb();
    const healthStart = performance.now();
    expect((await fetch(new URL('/healthz', url))).status).toBe(200);
    const healthMs = performance.now() - healthStart;

    const answers = await Promise.all(uploads.map((u) => u.answer));
    for (const upload of uploads) upload.request.destroy();
    clearInterval(sampler);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const afterClose = rssMb();

    for (const { code } of answers) if (code) refuse(row, code);
    const admitted = Math.floor(UPLOAD_LIMIT_DEFAULTS.maxBytesInFlight / DECLARED_BYTES);
    expect(row.refused).toEqual({ server_busy: CLIENTS - admitted, upload_timeout: admitted });
    expect(settle(row)).toBe(0);

    figures.push(
      `| before | ${baseline.toFixed(0)} |`,
      `| peak during the flood | ${peak.toFixed(0)} |`,
      `| with the uploads stalled | ${whileStalled.toFixed(0)} (/healthz answered in ${healthMs.toFixed(0)} ms) |`,
      `| 2 s after they closed | ${afterClose.toFixed(0)} |`,
    );
    expect(peak).toBeLessThan(RSS_GOAL_MB);
    expect(peak - baseline).toBeLessThan(UPLOAD_LIMIT_DEFAULTS.maxBytesInFlight / MIB + 100);
    expect(afterClose - baseline).toBeLessThan(64);

    // The bot still edits.
    const after = await sendToChat(chat, 'after', '/edit still working', await noisyPng(33));
    await bot.line(`event done ${after.reply!.jobId!}`);
  });
});

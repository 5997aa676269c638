import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';

function capture(): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('createLogger', () => {
  const token = 'MTA5.discord-bot-token.xyz123';
  const signing = 'slack-signing-secret-abcdef';

  it('writes one JSON object per line with job, user and channel fields', () => {
    const out = capture();
    createLogger({ destination: out.stream, pretty: 'never' }).info(
      { jobId: 'j1', user: 'discord:42', channel: 'c9' },
      'job started',
    );
    const line = JSON.parse(out.text().trim());
    expect(line).toMatchObject({ msg: 'job started', jobId: 'j1', user: 'discord:42', channel: 'c9', level: 30 });
  });

  it('never prints a token or secret, in fields, nested objects, messages or errors', async () => {
    const out = capture();
    const log = createLogger({ destination: out.stream, pretty: 'never', secrets: [token, signing] });
    log.info({ token }, 'login');
    log.info({ request: { headers: { authorization: `Bot ${token}` } } }, 'rest call');
    log.warn(`could not reach https://example.test/?t=${token}`);
    log.error({ err: new Error(`bad signature for ${signing}`) }, 'slack request refused');
    await new Promise((resolve) => setImmediate(resolve)); // the scrubbing stream passes lines on asynchronously
    const text = out.text();
    expect(text).not.toContain(token);
    expect(text).not.toContain(signing);
    expect(text).toContain('[redacted]');
    expect(text.trim().split('\n')).toHaveLength(4);
  });

  it('is human-readable when asked for pretty output, still without secrets', () => {
    const out = capture();
    createLogger({ destination: out.stream, pretty: 'always', secrets: [token] }).info(
      { jobId: 'j7' },
      `connected with ${token}`,
    );
    const text = out.text();
    expect(text).toMatch(/INFO.*connected with \[redacted\]/);
    // One line per entry: the fields follow on the same line.
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(text).toContain('"jobId":"j7"');
    expect(() => JSON.parse(text)).toThrow();
  });
});

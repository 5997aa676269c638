/**
 * Structured logs (pino): JSON lines in production, human-readable on a terminal. Secrets never reach the
 * output: known secret values are scrubbed from every line, and fields that look like credentials are redacted.
 */
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level?: string;
  /** 'auto' = pretty when the destination is a terminal. */
  pretty?: 'auto' | 'always' | 'never';
  /** Secret values (tokens, signing secrets) to scrub wherever they appear, even inside messages or URLs. */
  secrets?: Array<string | undefined>;
  /** Where lines go; stdout by default. */
  destination?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Credential-looking fields, at any of the first levels of nesting. */
const REDACT_PATHS = [
  'token',
  'password',
  'secret',
  'authorization',
  'signingSecret',
  'botToken',
  'appToken',
  'headers.authorization',
].flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stdout;
  const usePretty = options.pretty === 'always' || (options.pretty !== 'never' && Boolean(destination.isTTY));
  const secrets = (options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 6);
  const scrubbed = scrubbingStream(destination, secrets);
  const stream = usePretty
    ? pretty({
        destination: scrubbed,
        colorize: Boolean(destination.isTTY),
        sync: true,
        singleLine: true,
        ignore: 'pid,hostname,service',
      })
    : scrubbed;
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'rfedit' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    stream,
  );
}

/** Replaces every occurrence of a secret in the serialized line, the last line of defence. */
function scrubbingStream(destination: NodeJS.WritableStream, secrets: string[]): NodeJS.WritableStream {
  if (secrets.length === 0) return destination;
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      let line = chunk.toString();
      for (const secret of secrets) line = line.split(secret).join('[redacted]');
      destination.write(line, callback);
    },
  });
}

/** A logger that drops everything, for tests and library defaults. */
export const silentLogger: Logger = pino({ level: 'silent' });

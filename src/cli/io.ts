import type { EngineLogger } from '../engine/index.ts';

/** Where the CLI writes, injectable so tests can capture it. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  stderr: NodeJS.WriteStream;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  stderr: process.stderr,
};

/** Warnings (e.g. an execution provider falling back to CPU) on stderr; debug and info stay quiet. */
export function stderrLogger(io: CliIo): EngineLogger {
  return {
    debug() {},
    info() {},
    warn(fields, message) {
      io.err(`warning: ${message} ${JSON.stringify(fields)}`);
    },
  };
}

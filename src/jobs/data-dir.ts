/** Where the bot keeps what lasts, inside its data folder: one place, for the bot, the workers and the CLI. */
import { join } from 'node:path';

export function jobStorePath(dataDir: string): string {
  return join(dataDir, 'jobs.sqlite');
}

/** Content-addressed sources and results; shared storage when Redis workers run elsewhere. */
export function imageDir(dataDir: string): string {
  return join(dataDir, 'images');
}

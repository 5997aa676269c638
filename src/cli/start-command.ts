/** `rfedit start` (and `npm start`): run the bot until SIGTERM or SIGINT, then shut down gracefully. */
import { type RunningApp, startApp } from '../app.ts';
import { loadConfig } from '../config/load.ts';
import { DiskSpace, formatBytes, isDiskFull } from '../disk-space.ts';
import { inversionCacheDir } from '../engine/index.ts';
import { RfeditError } from '../errors.ts';
import { createLogger } from '../log.ts';
import type { CliIo } from './io.ts';

export async function runStart(io: CliIo): Promise<number> {
  const { config, secrets } = loadConfig();
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty, secrets: Object.values(secrets) });
  let app: RunningApp;
  try {
    app = await startApp({ config, secrets, logger });
  } catch (error) {
    io.err(startFailure(error, config.dataDir));
    // Parts that did start (a model loading, connections retrying) must not keep a failed server alive.
    process.stderr.write('', () => process.exit(1));
    return 1;
  }
  const lines = ['', 'rfedit is running.'];
  if (app.urls.web)
    lines.push(`  Web chat:   ${app.urls.web}   (open it, attach a photo, type /edit make it warm and bright)`);
  if (app.urls.health) lines.push(`  Health:     ${app.urls.health}/healthz   Metrics: ${app.urls.health}/metrics`);
  if (app.urls.slack) lines.push(`  Slack Request URL: ${app.urls.slack}`);
  if (config.engine.model === 'demo')
    lines.push('  Model:      the built-in demo model (a stand-in that shows the pipeline; see README)');
  lines.push('  Stop with Ctrl+C.', '');
  io.out(lines.join('\n'));

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  // A second signal while shutting down means "now".
  const forceExit = () => process.exit(130);
  process.once('SIGTERM', forceExit);
  process.once('SIGINT', forceExit);
  await app.shutdown(signal);
  return 0;
}

/** What went wrong at start-up, in words an operator can act on. */
function startFailure(error: unknown, dataDir: string): string {
  const e = error as NodeJS.ErrnoException & { port?: number; address?: string };
  if (isDiskFull(error) || (error instanceof RfeditError && isDiskFull(error.cause))) {
    return (
      `rfedit could not start: the disk holding ${dataDir} is full (${formatBytes(freeBytesOf(dataDir))} free). ` +
      `Free some space there (${inversionCacheDir(dataDir)} can be deleted safely) and start again.`
    );
  }
  if (e.code === 'EADDRINUSE') {
    return (
      `Port ${e.port} on ${e.address} is already in use (another rfedit?). Stop it, or choose another port: ` +
      `RFEDIT_WEB__PORT / RFEDIT_HEALTH__PORT, or web.port / health.port in config/local.yaml.`
    );
  }
  if (error instanceof RfeditError) return error.userMessage;
  return `rfedit could not start: ${(error as Error).stack ?? String(error)}`;
}

function freeBytesOf(dataDir: string): number {
  try {
    return new DiskSpace(dataDir).status().freeBytes;
  } catch {
    return 0;
  }
}

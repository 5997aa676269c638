/** `rfedit demo generate [dir]`: writes the built-in demo model (normally generated on first use). */
import { resolve } from 'node:path';
import { generateDemoModel } from '../engine/demo/generate.ts';
import { demoModelDir } from '../engine/index.ts';
import type { CliIo } from './io.ts';
import { engineSettings } from './settings.ts';

export function runDemoGenerate(argv: string[], io: CliIo): number {
  const dir = resolve(argv[0] ?? demoModelDir(engineSettings({}).dataDir));
  const started = performance.now();
  generateDemoModel(dir);
  io.err(`Wrote the demo model to ${dir} in ${Math.round(performance.now() - started)} ms.`);
  return 0;
}

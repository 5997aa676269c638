/** `rfedit model check <dir>`: prints what is missing or mismatched in an export, with the fix. */
import { resolve } from 'node:path';
import { checkModelDir } from '../engine/flux/check.ts';
import type { CliIo } from './io.ts';

const MARK = { ok: '✓', warning: '!', error: '✗' } as const;

export function runModelCheck(argv: string[], io: CliIo): number {
  const json = argv.includes('--json');
  const dirs = argv.filter((a) => a !== '--json');
  if (dirs.length !== 1) {
    io.err('Usage: rfedit model check <dir> [--json]');
    return 2;
  }
  const report = checkModelDir(resolve(dirs[0]));
  if (json) {
    io.out(JSON.stringify(report));
  } else {
    io.out(`Checking ${report.dir}`);
    for (const f of report.findings) {
      io.out(`  ${MARK[f.level]} ${f.where}: ${f.message}`);
      if (f.fix) io.out(`      fix: ${f.fix}`);
    }
    io.out(report.ok ? 'The export looks usable.' : 'The export cannot be used as it is.');
  }
  return report.ok ? 0 : 1;
}

/** A one-line progress bar for terminals; silent elsewhere (pipes, CI logs, --json). */
import type { EditProgress } from '../engine/types.ts';

export function progressBar(
  stream: NodeJS.WriteStream,
  enabled: boolean,
): { update(p: EditProgress): void; done(): void } {
  if (!enabled) return { update() {}, done() {} };
  const width = 30;
  return {
    update(p) {
      const filled = Math.round(p.fraction * width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      stream.write(`\r${bar} ${(p.fraction * 100).toFixed(0).padStart(3)}%  ${p.phase} ${p.step}/${p.total}   `);
    },
    done() {
      stream.write('\r\x1b[K');
    },
  };
}

import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InversionCache, type InversionKey } from '../../src/engine/cache/inversion-cache.ts';
import { silentLogger } from '../../src/engine/flux/onnx-session.ts';
import { inversionKey, tempDir } from './helpers.ts';

const key = (imageHash: string): InversionKey => inversionKey(imageHash, { height: 15, gamma: 0.5 });
const entry = (fill: number, n = 256) => ({
  y0: new Float32Array(n).fill(fill),
  inverted: new Float32Array(n).fill(-fill),
});

describe('InversionCache', () => {
  it('keeps memory within its byte budget, dropping the least recently used', () => {
    const cache = new InversionCache({ memoryBytes: 2 * 2048 + 100, dir: null, diskBytes: 0, logger: silentLogger });
    cache.set(key('a'), entry(1));
    cache.set(key('b'), entry(2));
    cache.get(key('a'));
    cache.set(key('c'), entry(3));
    expect(cache.get(key('b'))).toBeNull();
    expect(cache.get(key('a'))?.y0[0]).toBe(1);
  });

  it('reads entries back from disk after a restart', () => {
    const dir = tempDir();
    new InversionCache({ memoryBytes: 1e6, dir, diskBytes: 1e6, logger: silentLogger }).set(key('a'), entry(4));
    const reopened = new InversionCache({ memoryBytes: 1e6, dir, diskBytes: 1e6, logger: silentLogger });
    const hit = reopened.get(key('a'));
    expect(hit?.y0[5]).toBe(4);
    expect(hit?.inverted[5]).toBe(-4);
  });

  it('throws away a damaged disk entry instead of using it', () => {
    const dir = tempDir();
    new InversionCache({ memoryBytes: 1e6, dir, diskBytes: 1e6, logger: silentLogger }).set(key('a'), entry(4));
    const [file] = readdirSync(dir);
    writeFileSync(join(dir, file), 'RFINV1\ngarbage');
    const reopened = new InversionCache({ memoryBytes: 1e6, dir, diskBytes: 1e6, logger: silentLogger });
    expect(reopened.get(key('a'))).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps the disk within its byte budget', () => {
    const dir = tempDir();
    const cache = new InversionCache({ memoryBytes: 1e6, dir, diskBytes: 5000, logger: silentLogger });
    for (const name of ['a', 'b', 'c', 'd']) cache.set(key(name), entry(1));
    expect(readdirSync(dir).length).toBe(2);
  });

  it('tells keys apart by every field the inversion depends on', () => {
    const cache = new InversionCache({ memoryBytes: 1e6, dir: null, diskBytes: 0, logger: silentLogger });
    cache.set(key('a'), entry(1));
    expect(cache.get({ ...key('a'), inversionSeed: 1 })).toBeNull();
    expect(cache.get({ ...key('a'), convention: 'diffusers' })).toBeNull();
    expect(cache.get({ ...key('a'), modelId: 'other' })).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { imageIds, packLatents, textIds, unpackLatents } from '../../src/engine/flux/packing.ts';

describe('packLatents / unpackLatents', () => {
  it('unpacking a packed latent gives the same latent back', () => {
    const latent = Float32Array.from({ length: 16 * 6 * 10 }, (_, i) => Math.sin(i));
    expect(unpackLatents(packLatents(latent, 16, 6, 10), 16, 6, 10)).toEqual(latent);
  });

  it('puts channel c, row y, column x at token (y/2)·(W/2) + x/2 and channel c·4 + (y%2)·2 + x%2', () => {
    const [c, h, w] = [3, 4, 6];
    const latent = new Float32Array(c * h * w);
    const at = (ch: number, y: number, x: number) => (ch * h + y) * w + x;
    latent[at(2, 3, 5)] = 7;
    const packed = packLatents(latent, c, h, w);
    const token = 1 * (w / 2) + 2;
    expect(packed[token * c * 4 + 2 * 4 + 1 * 2 + 1]).toBe(7);
    expect(packed.filter((v) => v !== 0)).toHaveLength(1);
  });

  it('refuses odd latent sides', () => {
    expect(() => packLatents(new Float32Array(3 * 3), 1, 3, 3)).toThrow(/even/);
  });
});

describe('position ids', () => {
  it('image ids are [0, row, col] in row-major token order', () => {
    expect(Array.from(imageIds(2, 3))).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 1, 0, 0, 1, 1, 0, 1, 2]);
  });

  it('text ids are all zeros, three per token', () => {
    expect(Array.from(textIds(4))).toEqual(new Array(12).fill(0));
  });
});

import { describe, expect, it } from 'vitest';
import { float32ToHalves, fromHalf, halvesToFloat32, toHalf } from '../../src/engine/flux/float16.ts';

describe('float16 conversion', () => {
  it('round-trips every finite half exactly', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      if (((h >>> 10) & 0x1f) !== 0x1f && toHalf(fromHalf(h)) !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds to the nearest half and saturates to infinity', () => {
    expect(fromHalf(toHalf(1 / 3))).toBeCloseTo(0.33325, 5);
    expect(fromHalf(toHalf(1e6))).toBe(Infinity);
    expect(fromHalf(toHalf(-1e-9))).toBe(-0);
    expect(Number.isNaN(fromHalf(toHalf(NaN)))).toBe(true);
  });

  it('converts arrays both ways', () => {
    const values = Float32Array.of(0, 1, -2, 0.5, 65504);
    expect(halvesToFloat32(float32ToHalves(values))).toEqual(values);
  });
});

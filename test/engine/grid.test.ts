/** The 2×2 grid a person picks from: cells where they belong, each marked with its own label. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { composeGrid, type GridCell } from '../../src/engine/grid.ts';

const COLOURS: Array<[number, number, number]> = [
  [200, 40, 40],
  [40, 200, 40],
  [40, 40, 200],
  [220, 220, 40],
];

function solid(colour: [number, number, number], label: string, width = 160, height = 120): GridCell {
  // A canvas padded by 16×8 (as the pipeline pads to the model's multiple): the padding must not show.
  const canvasWidth = width + 16;
  const canvasHeight = height + 8;
  const rgb = new Uint8Array(canvasWidth * canvasHeight * 3);
  for (let y = 0; y < canvasHeight; y++) {
    for (let x = 0; x < canvasWidth; x++)
      rgb.set(x < width && y < height ? colour : [255, 0, 255], (y * canvasWidth + x) * 3);
  }
  return { rgb, canvasWidth, canvasHeight, width, height, label };
}

async function pixels(bytes: Uint8Array) {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) =>
    Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
  return { info, at };
}

/** White pixels in a cell's top-left badge area: the drawn label. */
function labelInk(at: (x: number, y: number) => number[], left: number, top: number): number {
  let ink = 0;
  for (let y = top; y < top + 40; y++) for (let x = left; x < left + 60; x++) if (at(x, y).every((c) => c > 200)) ink++;
  return ink;
}

describe('composeGrid', () => {
  it('puts four results in reading order at half size, without their padding, each with its label', async () => {
    const grid = await composeGrid(COLOURS.map((c, i) => solid(c, String(i + 1))));
    expect(grid.mime).toBe('image/png');
    const { info, at } = await pixels(grid.bytes);
    expect([info.width, info.height]).toEqual([80 * 2 + 4, 60 * 2 + 4]);
    const centres = [
      [60, 45],
      [124, 45],
      [60, 109],
      [124, 109],
    ];
    centres.forEach(([x, y], i) => at(x, y).forEach((c, k) => expect(Math.abs(c - COLOURS[i][k])).toBeLessThan(8)));
    // No magenta padding anywhere.
    for (let y = 0; y < info.height; y += 3)
      for (let x = 0; x < info.width; x += 3) expect(at(x, y)).not.toEqual([255, 0, 255]);
    const inks = [
      [0, 0],
      [84, 0],
      [0, 64],
      [84, 64],
    ].map(([x, y]) => labelInk(at, x, y));
    inks.forEach((ink) => expect(ink).toBeGreaterThan(5));
    expect(inks[0]).toBeLessThan(inks[1]); // "1" has two segments, "2" five
  });

  it('labels cells with strengths, and fits a byte limit by switching to JPEG', async () => {
    const cells = COLOURS.map((c, i) => solid(c, ['0.25', '0.5', '0.75', '1'][i], 640, 480));
    // Photo-like content (noise) so that PNG is large and a lossy format is needed to fit.
    for (const cell of cells)
      for (let j = 0; j < cell.rgb.length; j++) cell.rgb[j] = (cell.rgb[j] + (((j * 2654435761) >>> 24) % 64)) & 255;
    const png = await composeGrid(cells);
    const small = await composeGrid(cells, Math.floor(png.bytes.length / 4));
    expect(small.mime).not.toBe('image/png');
    expect(small.bytes.length).toBeLessThanOrEqual(png.bytes.length / 4);
    const { at } = await pixels(png.bytes);
    expect(labelInk(at, 0, 0)).toBeGreaterThan(labelInk(at, 324, 244)); // "0.25" has more ink than "1"
  });
});

/**
 * Four results in one picture: a 2×2 grid, each cell marked in its corner with its label (1–4, or a strength
 * like 0.25). Labels are drawn as seven-segment shapes, not text, so they never depend on the fonts installed.
 * Cells are scaled to half size, so the grid is about the size of one result; picking a cell gives it in full.
 */
import sharp from 'sharp';
import { type EncodedImage, encodeWithin } from './image.ts';

export interface GridCell {
  /** The decoded canvas (RGB, HWC) and the picture's size within it, as the pipeline has them. */
  rgb: Uint8Array;
  canvasWidth: number;
  canvasHeight: number;
  width: number;
  height: number;
  label: string;
}

const GAP = 4; // px of background between cells
const BACKGROUND = { r: 24, g: 24, b: 27 };

export async function composeGrid(
  cells: readonly GridCell[],
  maxOutputBytes = Infinity,
): Promise<EncodedImage & { width: number; height: number }> {
  if (cells.length !== 4) throw new RangeError(`A grid has 4 cells, not ${cells.length}.`);
  const cellWidth = Math.max(1, Math.round(cells[0].width / 2));
  const cellHeight = Math.max(1, Math.round(cells[0].height / 2));
  const tiles = await Promise.all(
    cells.map(async (cell, i) => {
      const picture = await sharp(Buffer.from(cell.rgb.buffer, cell.rgb.byteOffset, cell.rgb.byteLength), {
        raw: { width: cell.canvasWidth, height: cell.canvasHeight, channels: 3 },
      })
        .extract({ left: 0, top: 0, width: cell.width, height: cell.height })
        .resize(cellWidth, cellHeight, { fit: 'fill' })
        .png({ compressionLevel: 1 })
        .toBuffer();
      const left = (i % 2) * (cellWidth + GAP);
      const top = Math.floor(i / 2) * (cellHeight + GAP);
      const badge = labelBadge(cell.label, Math.min(cellWidth, cellHeight));
      return [
        { input: picture, left, top },
        { input: Buffer.from(badge.svg), left: left + badge.margin, top: top + badge.margin },
      ];
    }),
  );
  const canvas = () =>
    sharp({
      create: { width: 2 * cellWidth + GAP, height: 2 * cellHeight + GAP, channels: 3, background: BACKGROUND },
    }).composite(tiles.flat());
  // Composite once, then encode from the flattened pixels (sharp applies composites only when it writes).
  const flat = await canvas().raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = flat.info;
  const encoded = await encodeWithin(
    () => sharp(flat.data, { raw: { width, height, channels } }).removeAlpha(),
    maxOutputBytes,
  );
  return { ...encoded, width, height };
}

/** Segments a–g of a seven-segment digit in a 10×18 box (a top, then clockwise, g the middle). */
const SEGMENTS: Record<string, string> = {
  a: 'M2,0h6l-1,2h-4z',
  b: 'M10,1v7l-2,1v-6z',
  c: 'M10,10v7l-2,-1v-6z',
  d: 'M2,18h6l-1,-2h-4z',
  e: 'M0,10v7l2,-1v-6z',
  f: 'M0,1v7l2,1v-6z',
  g: 'M1,9l1,-1h6l1,1l-1,1h-6z',
};
const DIGITS: Record<string, string> = {
  '0': 'abcdef',
  '1': 'bc',
  '2': 'abged',
  '3': 'abgcd',
  '4': 'fgbc',
  '5': 'afgcd',
  '6': 'afgedc',
  '7': 'abc',
  '8': 'abcdefg',
  '9': 'abcdfg',
  '-': 'g',
};

/** A dark rounded badge with the label in white segments, sized to the cell (about a tenth of its short side). */
export function labelBadge(label: string, cellSide: number): { svg: string; margin: number } {
  const scale = Math.max(1, Math.round(cellSide / 90));
  const advance = 13;
  let x = 0;
  const shapes: string[] = [];
  for (const char of label) {
    if (char === '.') {
      shapes.push(`<rect x="${x}" y="16" width="2.5" height="2.5"/>`);
      x += 5;
      continue;
    }
    const segments = DIGITS[char];
    if (!segments) continue; // labels are digits, '.', '-'
    shapes.push(
      `<g transform="translate(${x},0)">${[...segments].map((s) => `<path d="${SEGMENTS[s]}"/>`).join('')}</g>`,
    );
    x += advance;
  }
  const pad = 5;
  const innerWidth = Math.max(10, x - (x > 0 ? advance - 10 : 0));
  const width = (innerWidth + 2 * pad) * scale;
  const height = (18 + 2 * pad) * scale;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${innerWidth + 2 * pad} ${18 + 2 * pad}">` +
    `<rect width="100%" height="100%" rx="5" fill="#000" fill-opacity="0.65"/>` +
    `<g transform="translate(${pad},${pad})" fill="#fff">${shapes.join('')}</g></svg>`;
  return { svg, margin: 3 * scale };
}

/**
 * The jobs fixtures' TestEngine (steps, progress, gates, abort) with real pictures: results and previews that
 * sharp can decode, as the adapter's compare, preview and re-encode paths need. The colour depends on the
 * prompt and seed, so different edits give different images.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { EditEngine, EditParams, EditProgress, EditRequest, EditResult } from '../../../src/engine/types.ts';
import { type StepGate, TestEngine, gatedEngine } from '../../jobs/fixtures/test-engines.ts';

export interface PixelEngineOptions {
  /** Side of the square result. @default 32 */
  readonly sizePx?: number;
  /** Random pixels instead of a flat colour: large, incompressible PNGs for upload-limit tests. @default false */
  readonly noise?: boolean;
  /** Attach a preview to every progress report. @default true */
  readonly previews?: boolean;
}

export class PixelEngine implements EditEngine {
  constructor(
    readonly inner: TestEngine = new TestEngine(),
    private readonly options: PixelEngineOptions = {},
  ) {}

  resolveParams(request: Pick<EditRequest, 'strength' | 'preset' | 'overrides'>): EditParams {
    return this.inner.resolveParams(request);
  }

  async edit(request: EditRequest, onProgress?: (progress: EditProgress) => void): Promise<EditResult> {
    const preview = this.options.previews === false ? undefined : await solidPng(8, 'preview');
    const result = await this.inner.edit(request, (progress) =>
      onProgress?.(preview ? { ...progress, preview } : progress),
    );
    const sizePx = this.options.sizePx ?? 32;
    const label = `${request.prompt}|${result.params.seed}|${result.params.strength}`;
    const image = this.options.noise ? await noisePng(sizePx, label) : await solidPng(sizePx, label);
    return { ...result, image, width: sizePx, height: sizePx };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export function gatedPixelEngine(): { engine: PixelEngine; gate: StepGate } {
  const { engine, gate } = gatedEngine();
  return { engine: new PixelEngine(engine), gate };
}

export async function solidPng(sizePx: number, label: string): Promise<Buffer> {
  const [r, g, b] = createHash('sha256').update(label).digest();
  return sharp({ create: { width: sizePx, height: sizePx, channels: 3, background: { r: r!, g: g!, b: b! } } })
    .png()
    .toBuffer();
}

async function noisePng(sizePx: number, label: string): Promise<Buffer> {
  const pixels = Buffer.alloc(sizePx * sizePx * 3);
  let state = createHash('sha256').update(label).digest().readUInt32LE(0) || 1;
  for (let i = 0; i < pixels.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    pixels[i] = state & 0xff;
  }
  return sharp(pixels, { raw: { width: sizePx, height: sizePx, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

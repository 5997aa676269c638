/** Shared arrangements for the engine tests: temp folders, generated demo models, the real photo, image metrics. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll } from 'vitest';
import type { InversionKey } from '../../src/engine/cache/inversion-cache.ts';
import { type DemoModelVariant, generateDemoModel } from '../../src/engine/demo/generate.ts';

export const PHOTO_PATH = join(import.meta.dirname, '..', 'fixtures', 'stm32f3-discovery.jpg');
export const photo = (): Buffer => readFileSync(PHOTO_PATH);

/** A temp folder removed after the file's tests. */
export function tempDir(prefix = 'rfedit-engine-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An inversion-cache key for a 16×16 canvas; tests change the fields they are about. */
export function inversionKey(imageHash: string, fields: Partial<InversionKey> = {}): InversionKey {
  const base = {
    canvasWidth: 16,
    canvasHeight: 16,
    width: 16,
    height: 16,
    modelId: 'm',
    gamma: 0,
    steps: 28,
    inversionSeed: 0,
  };
  return { imageHash, ...base, convention: 'consistent', ...fields };
}

export function demoModel(variant: Partial<DemoModelVariant> = {}, parent = tempDir()): string {
  const dir = join(parent, 'model');
  generateDemoModel(dir, variant);
  return dir;
}

export async function rawRgb(bytes: Uint8Array): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

export function psnr(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  const mse = sum / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

export function meanRgb(data: Uint8Array): [number, number, number] {
  const sums = [0, 0, 0];
  for (let i = 0; i < data.length; i++) sums[i % 3] += data[i];
  const n = data.length / 3;
  return [sums[0] / n, sums[1] / n, sums[2] / n];
}

/**
 * A golden fixture folder as the goldflux scripts write it: `model/` (an optimum-layout FLUX.1 export) and
 * `golden/<name>/` folders of raw little-endian arrays, each described by a `manifest.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserInputError } from '../../errors.ts';

/** Parsed JSON, read field by field. */
// biome-ignore lint/suspicious/noExplicitAny: a manifest is free-form JSON whose fields each stage reads and checks itself
export type Manifest = Record<string, any>;

/** One golden folder: its manifest and typed views of its raw arrays. */
export class GoldenFolder {
  readonly manifest: Manifest;

  constructor(readonly dir: string) {
    this.manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  }

  private bytes(name: string): Buffer {
    return readFileSync(join(this.dir, name));
  }

  f32(name: string): Float32Array {
    const b = this.bytes(name);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  }

  i64(name: string): number[] {
    const b = this.bytes(name);
    return Array.from(new BigInt64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)), Number);
  }

  u8(name: string): Uint8Array {
    return new Uint8Array(this.bytes(name));
  }

  /** Declared shape of a file, from the manifest. */
  shape(name: string): number[] {
    const shape = this.manifest.files?.[name]?.shape;
    if (!Array.isArray(shape)) throw new Error(`${this.dir}/manifest.json does not describe ${name}.`);
    return shape as number[];
  }
}

export const GOLDEN_KINDS = ['rf-inversion', 'onnx-dyn', 'text'] as const;
export type GoldenKind = (typeof GOLDEN_KINDS)[number];

export interface Fixture {
  dir: string;
  modelDir: string;
  golden: Partial<Record<GoldenKind, GoldenFolder>>;
}

/** Opens a fixture folder; `modelDir` replaces its model/ (a variant of the same weights checked against the same goldens). */
export function openFixture(dir: string, modelDir?: string): Fixture {
  const root = resolve(dir);
  const golden: Fixture['golden'] = {};
  for (const kind of GOLDEN_KINDS) {
    const folder = join(root, 'golden', kind);
    if (existsSync(join(folder, 'manifest.json'))) golden[kind] = new GoldenFolder(folder);
  }
  if (Object.keys(golden).length === 0) {
    throw new UserInputError(
      'fixture_invalid',
      `${root} has no golden/rf-inversion, golden/onnx-dyn or golden/text with a manifest.json: not a fixture folder the goldflux scripts made.`,
    );
  }
  return { dir: root, modelDir: resolve(modelDir ?? join(root, 'model')), golden };
}

/**
 * Where the tiny FLUX.1 fixture lives: $RFEDIT_TINY_FLUX, else `<repo>/../shared/fixtures/tiny-flux` (CI lays
 * shared/ beside the checkout), else /work/shared/fixtures/tiny-flux. Null when none exists.
 */
export function findTinyFlux(repoRoot: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = [
    env.RFEDIT_TINY_FLUX,
    join(repoRoot, '..', 'shared', 'fixtures', 'tiny-flux'),
    '/work/shared/fixtures/tiny-flux',
  ];
  for (const candidate of candidates) {
    if (candidate && existsSync(join(candidate, 'golden'))) return resolve(candidate);
  }
  return null;
}

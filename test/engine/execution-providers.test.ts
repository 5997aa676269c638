import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFluxModel } from '../../src/engine/flux/model.ts';
import type { EngineLogger } from '../../src/engine/flux/onnx-session.ts';
import { demoModel } from './helpers.ts';

// The npm package bundles only the CPU provider; the CUDA libraries come from a separate install step.
const binding = join(
  dirname(createRequire(import.meta.url).resolve('onnxruntime-node')),
  '..',
  'bin',
  'napi-v6',
  process.platform,
  process.arch,
);
const cudaInstalled = existsSync(join(binding, 'libonnxruntime_providers_cuda.so'));

describe.skipIf(cudaInstalled)('execution providers', () => {
  it('fall back to CPU with a logged reason when CUDA cannot load, once per model', async () => {
    const warnings: Array<{ fields: object; message: string }> = [];
    const logger: EngineLogger = {
      debug() {},
      info() {},
      warn: (fields, message) => warnings.push({ fields, message }),
    };
    const model = loadFluxModel(demoModel(), { executionProviders: ['cuda', 'cpu'], logger });
    const text = await model.encodePrompt('red');
    await model.velocity(new Float32Array(64), 0.5, model.condition(text, 3.5, 4, 4));
    await model.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toMatch(/cuda unavailable, falling back/);
    expect(warnings[0].fields).toMatchObject({ provider: 'cuda', reason: expect.stringMatching(/.+/) });
  });
});

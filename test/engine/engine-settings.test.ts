import { describe, expect, it } from 'vitest';
import { createEngineFromSettings, type EngineSettings } from '../../src/engine/index.ts';
import { tempDir } from './helpers.ts';

function settings(overrides: Partial<EngineSettings>): EngineSettings {
  return {
    dataDir: tempDir(),
    model: 'demo',
    executionProviders: ['cpu'],
    threads: 0,
    pixelBudget: 0,
    maxInputBytes: 1_048_576,
    maxInputPixels: 1_000_000,
    inversionCacheMemoryMB: 1,
    inversionCacheDiskMB: 1,
    promptCacheEntries: 4,
    maxPromptChars: 1000,
    maxSteps: 50,
    maxGuidance: 20,
    ...overrides,
  };
}

describe('engine.convention', () => {
  it('sets the default inversion convention; a request can still choose the other', async () => {
    const engine = createEngineFromSettings(settings({ convention: 'diffusers' }));
    try {
      expect(engine.resolveParams({}).convention).toBe('diffusers');
      expect(engine.resolveParams({ overrides: { convention: 'consistent' } }).convention).toBe('consistent');
      // The demo's own defaults (γ 0 for its affine flow) survive the setting.
      expect(engine.resolveParams({}).gamma).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it('leaves the default consistent when the setting is absent', async () => {
    const engine = createEngineFromSettings(settings({}));
    try {
      expect(engine.resolveParams({}).convention).toBe('consistent');
    } finally {
      await engine.close();
    }
  });
});

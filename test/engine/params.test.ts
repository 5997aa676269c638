import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../src/errors.ts';
import { PRESETS, resolveEditParams, strengthToController } from '../../src/engine/params.ts';

const seed = () => 42;

describe('strength', () => {
  it('by default reproduces the paper: γ 0.5, η 0.9, controller over the first 7 of 28 steps', () => {
    const p = resolveEditParams({}, seed);
    expect(p).toMatchObject({
      steps: 28,
      gamma: 0.5,
      eta: 0.9,
      start: 0,
      stop: 7,
      guidance: 3.5,
      strength: 0.5,
      seed: 42,
    });
  });

  it('0 holds the controller at η 1 over every step, which returns the source', () => {
    expect(strengthToController(0, 28)).toEqual({ start: 0, stop: 28, eta: 1 });
  });

  it('1 removes the controller', () => {
    expect(strengthToController(1, 28).stop).toBe(0);
  });

  it('maps monotonically: more strength never means a longer window or a larger η', () => {
    let previous = strengthToController(0, 28);
    for (let s = 0.05; s <= 1.0001; s += 0.05) {
      const next = strengthToController(Math.min(s, 1), 28);
      expect(next.stop).toBeLessThanOrEqual(previous.stop);
      expect(next.eta).toBeLessThan(previous.eta); // strictly: Subtle and Strong always change the edit
      previous = next;
    }
  });

  it('does not change anything the inversion depends on', () => {
    const a = resolveEditParams({ strength: 0.1 }, seed);
    const b = resolveEditParams({ strength: 0.9 }, seed);
    expect([a.gamma, a.steps, a.inversionSeed, a.convention]).toEqual([
      b.gamma,
      b.steps,
      b.inversionSeed,
      b.convention,
    ]);
  });

  it('for SDEdit is the fraction of the schedule re-run', () => {
    expect(resolveEditParams({ strength: 0.25, overrides: { method: 'sdedit' } }, seed).start).toBe(21);
  });
});

describe('presets', () => {
  it("use the paper's Table 4 windows at 28 steps", () => {
    expect(resolveEditParams({ preset: 'add-glasses' }, seed)).toMatchObject({
      start: 6,
      stop: 25,
      eta: 0.7,
      preset: 'add-glasses',
      strength: null,
    });
  });

  it('scale their windows to other step counts', () => {
    expect(resolveEditParams({ preset: 'add-glasses', overrides: { steps: 14 } }, seed)).toMatchObject({
      start: 3,
      stop: 12,
    });
  });

  it('cover all six tasks', () => {
    expect(Object.keys(PRESETS).sort()).toEqual([
      'add-glasses',
      'age-edit',
      'gender-edit',
      'object-insert',
      'stroke-to-image',
      'stylize',
    ]);
  });

  it('reject unknown names with the list of known ones', () => {
    expect(() => resolveEditParams({ preset: 'sparkle' }, seed)).toThrow(/object-insert/);
  });
});

// diffusers turns fractions into step indices with int(): start = int(start_timestep·N), stop = min(int(stop_timestep·N), N)
// (pipeline_flux_rf_inversion.py), and SDEdit starts at int(N − N·strength) (FluxImg2ImgPipeline.get_timesteps).
// Expected values are Table 4's steps-out-of-28 taken through that formula by hand, e.g. add-glasses stop at 50 steps:
// int(25/28·50) = int(44.64) = 44.
describe('window indices truncate as diffusers does', () => {
  it.each([
    [14, 3],
    [28, 7],
    [50, 12], // Math.round gave 13
  ])('default strength at %i steps: the controller covers the first %i steps (int(0.25·N))', (steps, stop) => {
    expect(resolveEditParams({ overrides: { steps } }, seed)).toMatchObject({ start: 0, stop, eta: 0.9 });
  });

  const table4 = {
    14: {
      'stroke-to-image': [1, 2],
      'object-insert': [0, 3],
      'gender-edit': [0, 4],
      'age-edit': [0, 2],
      'add-glasses': [3, 12],
      stylize: [0, 3],
    },
    28: {
      'stroke-to-image': [3, 5],
      'object-insert': [0, 6],
      'gender-edit': [0, 8],
      'age-edit': [0, 5],
      'add-glasses': [6, 25],
      stylize: [0, 6],
    },
    50: {
      'stroke-to-image': [5, 8],
      'object-insert': [0, 10],
      'gender-edit': [0, 14],
      'age-edit': [0, 8],
      'add-glasses': [10, 44],
      stylize: [0, 10],
    },
  } as const;
  it.each(
    Object.entries(table4).flatMap(([steps, presets]) =>
      Object.entries(presets).map(([name, w]) => [name, Number(steps), w] as const),
    ),
  )('preset %s at %i steps has the window %j', (preset, steps, [start, stop]) => {
    expect(resolveEditParams({ preset, overrides: { steps } }, seed)).toMatchObject({ start, stop });
  });

  it("keeps a decimal fraction's step when our own formula has float noise (strength 0.4 → stop 0.4·N)", () => {
    // 1 − 1.5·0.4 evaluates to 0.3999…; diffusers given stop_timestep=0.4 at 10 steps stops at int(4.0) = 4.
    expect(strengthToController(0.4, 10).stop).toBe(4);
  });

  it.each([
    [28, 0.3, 19], // int(28 − 8.4) = 19: 9 steps re-run, where ⌊28·0.3⌋ gave 8
    [50, 0.6, 20],
    [14, 0.25, 10],
  ])('SDEdit at %i steps and strength %f starts at step %i', (steps, strength, start) => {
    expect(resolveEditParams({ strength, overrides: { steps, method: 'sdedit' } }, seed).start).toBe(start);
  });
});

describe('overrides', () => {
  it('win over strength and mark the edit as hand-set', () => {
    const p = resolveEditParams({ strength: 0.2, overrides: { eta: 0.5, stop: 3, seed: 7, sampler: 'sde' } }, seed);
    expect(p).toMatchObject({ eta: 0.5, stop: 3, seed: 7, sampler: 'sde', strength: null });
  });

  it.each([
    [{ steps: 0 }],
    [{ gamma: 1.5 }],
    [{ start: 9, stop: 3 }],
    [{ sampler: 'euler' as never }],
    [{ seed: 1.5 }],
  ])('refuse %o with a UserInputError', (overrides) => {
    expect(() => resolveEditParams({ overrides }, seed)).toThrow(UserInputError);
  });

  it('refuse a strength outside 0..1', () => {
    expect(() => resolveEditParams({ strength: 2 }, seed)).toThrow(/strength/);
  });
});

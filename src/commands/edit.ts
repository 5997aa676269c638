import { GRID_SIZE } from './grid-size.ts';
import { submitJob } from './lineage.ts';
import type { CommandModule } from './types.ts';
import { SAMPLERS, validateEditOptions, validateImage, validatePrompt } from './validate.ts';

export const editCommand: CommandModule<'edit'> = {
  name: 'edit',
  description: 'Edit a photo with a prompt',
  options: [
    { name: 'image', type: 'image', description: 'The photo to edit', required: true },
    // Bounds come from the limits in force (options.ts, withBounds), filled in by the registry.
    { name: 'prompt', type: 'string', description: 'What to change, e.g. "make it snowy"', required: true },
    { name: 'strength', type: 'number', description: '0 keeps your photo, 1 follows the prompt freely' },
    { name: 'preset', type: 'string', description: 'A named set of parameters' },
    { name: 'seed', type: 'integer', description: 'Repeat a result exactly' },
    { name: 'steps', type: 'integer', description: 'More steps: slower, finer' },
    { name: 'guidance', type: 'number', description: 'How literally to follow the prompt' },
    { name: 'sampler', type: 'string', description: 'ode is exact, sde varies more', choices: SAMPLERS },
    {
      name: 'count',
      type: 'integer',
      description: '4: four results to pick from, in one grid',
      min: 1,
      max: GRID_SIZE,
    },
    { name: 'sweep', type: 'boolean', description: 'The edit at four strengths, in one grid' },
  ],
  async execute(command, ctx, deps) {
    const prompt = validatePrompt(command.prompt, deps.limits);
    const { strength, preset, count, sweep, ...overrides } = validateEditOptions(command.options ?? {}, deps.limits);
    const grid = sweep ? ('sweep' as const) : count === GRID_SIZE ? ('candidates' as const) : undefined;
    await validateImage(command.image, deps.limits);
    deps.disk?.assertRoomForNewWork(); // before the upload takes room of its own
    const sourceHash = await deps.images.put(command.image.bytes);
    return submitJob(
      { kind: 'edit', prompt, strength, preset, overrides, sourceHash, parentId: null, grid },
      ctx,
      deps,
    );
  },
};

import type { CommandOption } from './types.ts';

/** The job a command acts on; adapters usually fill it from a button, a reply or a message's job id. */
export function jobOption(description: string): CommandOption {
  return { name: 'job', type: 'job', description, required: true };
}

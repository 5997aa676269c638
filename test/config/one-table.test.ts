/**
 * One table of defaults and limits: the config schema. Everything that states a default or a bound (the queue,
 * the engine, the commands, the option bounds Discord and Slack show, config/default.yaml) must say what the schema
 * says; each test here fails when two of them disagree.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { discordCommands, DISCORD_COMMANDS } from '../../src/bots/discord/command-definitions.ts';
import { editModal } from '../../src/bots/slack/modals.ts';
import {
  COMMANDS,
  COMMAND_LIMIT_DEFAULTS,
  commandLimitsFromConfig,
  commandRegistry,
} from '../../src/commands/index.ts';
import type { CommandOption } from '../../src/commands/index.ts';
import { resolveCommandLimits, validateEditOptions, validatePrompt } from '../../src/commands/validate.ts';
import { CONFIG_DEFAULTS, configSchema } from '../../src/config/schema.ts';
import { ENGINE_DEFAULTS } from '../../src/engine/edit-engine.ts';
import { PARAM_LIMITS, paramResolver } from '../../src/engine/params.ts';
import { QUEUE_DEFAULTS, queueOptionsFromConfig } from '../../src/jobs/queue.ts';

const table = CONFIG_DEFAULTS;

function bounds(options: readonly CommandOption[]) {
  return Object.fromEntries(options.map((o) => [o.name, { min: o.min, max: o.max, maxLength: o.maxLength }]));
}

/** Discord's JSON for /edit, as uploaded: option name → its bounds. */
function discordEditBounds(commands = DISCORD_COMMANDS) {
  const edit = commands.find((c) => c.name === 'edit') as {
    options: Array<{ name: string; min_value?: number; max_value?: number; max_length?: number }>;
  };
  return Object.fromEntries(
    edit.options.map((o) => [o.name, { min: o.min_value, max: o.max_value, maxLength: o.max_length }]),
  );
}

describe('one table of defaults and limits', () => {
  it('config/default.yaml documents exactly the schema defaults', () => {
    expect(parse(readFileSync('config/default.yaml', 'utf8'))).toEqual(table);
  });

  it('the queue defaults are the configured ones', () => {
    expect(QUEUE_DEFAULTS).toMatchObject(queueOptionsFromConfig(table.queue));
    expect(QUEUE_DEFAULTS.perUserQueued).toBe(table.queue.perUserQueued);
  });

  it('the commands’ limits are the configured ones', () => {
    expect(COMMAND_LIMIT_DEFAULTS).toMatchObject(commandLimitsFromConfig(table));
  });

  it('the engine’s limits are the configured ones', () => {
    const { maxInputBytes, maxInputPixels, maxPromptChars, maxSteps, maxGuidance } = table.engine;
    expect(ENGINE_DEFAULTS).toMatchObject({
      maxInputBytes,
      maxInputPixels,
      maxPromptChars,
      limits: { maxSteps, maxGuidance },
    });
    expect(PARAM_LIMITS).toEqual({ maxSteps, maxGuidance });
  });

  it('command options, Discord’s slash options and Slack’s modal show the configured bounds', () => {
    const expected = {
      prompt: { maxLength: table.engine.maxPromptChars },
      steps: { min: 1, max: table.engine.maxSteps },
      guidance: { min: 0, max: table.engine.maxGuidance },
      strength: { min: 0, max: 1 },
    };
    expect(bounds(COMMANDS.edit.options)).toMatchObject(expected);
    expect(bounds(COMMANDS.remix.options)).toMatchObject({ prompt: expected.prompt, strength: expected.strength });
    expect(discordEditBounds()).toMatchObject(expected);
    const prompt = editModal({ channelId: 'C1' }, { prompt: '' }).blocks.find((b) => b.block_id === 'prompt') as {
      element: { max_length: number };
    };
    expect(prompt.element.max_length).toBe(table.engine.maxPromptChars);
  });

  it('a changed limit reaches the option bounds, the commands’ checks and the engine’s alike', () => {
    const config = configSchema.parse({ engine: { maxSteps: 12, maxGuidance: 7, maxPromptChars: 40 } });
    const limits = resolveCommandLimits(commandLimitsFromConfig(config));
    const commands = commandRegistry(limits);
    expect(discordEditBounds(discordCommands(commands))).toMatchObject({
      steps: { max: 12 },
      guidance: { max: 7 },
      prompt: { maxLength: 40 },
    });
    const prompt = editModal({ channelId: 'C1' }, { prompt: '' }, commands).blocks.find(
      (b) => b.block_id === 'prompt',
    ) as { element: { max_length: number } };
    expect(prompt.element.max_length).toBe(40);
    expect(validateEditOptions({ steps: 12, guidance: 7 }, limits)).toEqual({ steps: 12, guidance: 7 });
    expect(() => validateEditOptions({ steps: 13 }, limits)).toThrow(/steps must be a whole number from 1 to 12/);
    expect(() => validatePrompt('x'.repeat(41), limits)).toThrow(/limit is 40/);
    const resolve = paramResolver(undefined, {
      maxSteps: config.engine.maxSteps,
      maxGuidance: config.engine.maxGuidance,
    });
    expect(resolve({ overrides: { steps: 12 } }).steps).toBe(12);
    expect(() => resolve({ overrides: { steps: 13 } })).toThrow(/steps/);
  });
});

/**
 * Input checks shared by the commands. Each throws UserInputError with a message that says what
 * was wrong and what is allowed, before anything is stored or queued.
 */
import sharp from 'sharp';
import { requireAcceptedImage } from '../engine/image-types.ts';
import { requireVisiblePrompt } from '../engine/prompt.ts';
import type { SamplerName } from '../engine/types.ts';
import { UserInputError } from '../errors.ts';
import type { ImageRef } from '../jobs/types.ts';
import { dropUndefined } from '../jobs/queue.ts';
import { clip } from './format.ts';
import { GRID_SIZE } from './grid-size.ts';
import { optionBounds } from './options.ts';
import { COMMAND_LIMIT_DEFAULTS } from './types.ts';
import type { CommandLimits, EditOptions, ImageInput } from './types.ts';

export const SAMPLERS: readonly SamplerName[] = ['ode', 'sde', 'sde-paper'];
// Control characters (C0, DEL, C1) other than tab and newline only come from pasted junk and confuse the tokenizer.
const CONTROL_CHARACTERS = /(?![\t\n])\p{Cc}/u;

/** Limits over their defaults; nonsense is refused naming the limit and the value received. */
export function resolveCommandLimits(limits: CommandLimits = {}): Required<CommandLimits> {
  const merged = { ...COMMAND_LIMIT_DEFAULTS, ...dropUndefined(limits) };
  for (const key of [
    'maxPromptChars',
    'maxImageBytes',
    'maxImagePixels',
    'maxSteps',
    'maxGuidance',
    'strengthStep',
    'historyLimit',
  ] as const) {
    const value = merged[key];
    if (!Number.isFinite(value) || value <= 0)
      throw new TypeError(`Command limit ${key} must be a number > 0, got ${value}`);
  }
  if (!Number.isInteger(merged.dailyQuota) || merged.dailyQuota < 0) {
    throw new TypeError(`Command limit dailyQuota must be a whole number ≥ 0, got ${merged.dailyQuota}`);
  }
  merged.blockedPatterns.forEach(compilePattern); // refuse a broken pattern at start-up, not on the first prompt
  return merged;
}

export function validatePrompt(prompt: string, limits: Required<CommandLimits>): string {
  const trimmed = requireVisiblePrompt(prompt);
  if (trimmed.length > limits.maxPromptChars) {
    throw new UserInputError(
      'prompt_too_long',
      `The prompt is ${trimmed.length} characters; the limit is ${limits.maxPromptChars}.`,
      {
        details: { length: trimmed.length },
      },
    );
  }
  if (CONTROL_CHARACTERS.test(trimmed))
    throw new UserInputError('prompt_invalid', 'The prompt contains control characters; please retype it.');
  const lower = trimmed.toLowerCase();
  const banned = limits.bannedWords.find((word) =>
    new RegExp(`\\b${escapeRegExp(word.toLowerCase())}\\b`, 'u').test(lower),
  );
  if (banned !== undefined) {
    throw new UserInputError(
      'prompt_blocked',
      `The prompt uses a word this server does not allow ("${clip(banned)}"). Please rephrase it.`,
    );
  }
  const pattern = limits.blockedPatterns.find((source) => compilePattern(source).test(trimmed));
  if (pattern !== undefined) {
    throw new UserInputError(
      'prompt_blocked',
      `The prompt matches a rule this server does not allow (/${pattern}/). Please rephrase it.`,
      {
        details: { pattern },
      },
    );
  }
  return trimmed;
}

const compiledPatterns = new Map<string, RegExp>();

/** Case-insensitive, Unicode-aware; compiled once per pattern. */
function compilePattern(source: string): RegExp {
  let compiled = compiledPatterns.get(source);
  if (!compiled) {
    try {
      compiled = new RegExp(source, 'iu');
    } catch (error) {
      throw new TypeError(`Blocked pattern /${source}/ is not a valid regular expression: ${(error as Error).message}`);
    }
    compiledPatterns.set(source, compiled);
  }
  return compiled;
}

export function validateStrength(strength: number | undefined): number | undefined {
  return checkBounds('strength', strength, optionBounds(COMMAND_LIMIT_DEFAULTS).strength, false);
}

/** Each bounded option checked against the same bounds the chat platforms show (options.ts). */
export function validateEditOptions(options: EditOptions, limits: Required<CommandLimits>): EditOptions {
  const bounds = optionBounds(limits);
  const valid: EditOptions = {};
  const strength = validateStrength(options.strength);
  if (strength !== undefined) valid.strength = strength;
  const seed = checkBounds('seed', options.seed, bounds.seed, true);
  if (seed !== undefined) valid.seed = seed;
  const steps = checkBounds('steps', options.steps, bounds.steps, true);
  if (steps !== undefined) valid.steps = steps;
  const guidance = checkBounds('guidance', options.guidance, bounds.guidance, false);
  if (guidance !== undefined) valid.guidance = guidance;
  if (options.sampler !== undefined) {
    if (!SAMPLERS.includes(options.sampler)) {
      throw new UserInputError(
        'option_invalid',
        `sampler must be one of ${SAMPLERS.join(', ')}; got "${clip(options.sampler)}".`,
      );
    }
    valid.sampler = options.sampler;
  }
  if (options.count !== undefined) {
    if (options.count !== 1 && options.count !== GRID_SIZE) {
      throw new UserInputError(
        'option_invalid',
        `count is 1 or ${GRID_SIZE} (four results to pick from); got ${clip(String(options.count))}.`,
      );
    }
    valid.count = options.count;
  }
  if (options.sweep !== undefined) {
    if (typeof options.sweep !== 'boolean') throw new UserInputError('option_invalid', 'sweep is yes or no.');
    if (options.sweep && valid.count === GRID_SIZE) {
      throw new UserInputError(
        'option_invalid',
        `A sweep already makes ${GRID_SIZE} results (one per strength); leave out count.`,
      );
    }
    if (options.sweep && options.strength !== undefined) {
      throw new UserInputError(
        'option_invalid',
        'A sweep shows the strengths 0.25, 0.5, 0.75 and 1; leave out strength.',
      );
    }
    valid.sweep = options.sweep;
  }
  if (options.preset !== undefined) {
    const preset = options.preset.trim();
    if (!/^[a-z0-9-]{1,32}$/i.test(preset))
      throw new UserInputError('option_invalid', `"${clip(options.preset)}" is not a preset name.`);
    valid.preset = preset;
  }
  return valid;
}

/** Checks bytes, type and pixel count (from the header; nothing is decoded). */
export async function validateImage(
  image: ImageInput,
  limits: Required<CommandLimits>,
): Promise<Pick<ImageRef, 'mime' | 'width' | 'height'>> {
  const sizeBytes = image.bytes.byteLength;
  // No attachment at all arrives as no bytes and no name; an attached empty file is answered as empty below.
  if (sizeBytes === 0 && !image.filename) throw new UserInputError('image_missing', 'Please attach a photo to edit.');
  if (sizeBytes > limits.maxImageBytes) {
    throw new UserInputError(
      'image_too_large',
      `That image is ${megabytes(sizeBytes)} MB; the limit is ${megabytes(limits.maxImageBytes)} MB.`,
      {
        details: { sizeBytes },
      },
    );
  }
  const mime = requireAcceptedImage(image.bytes, image.filename);
  let width = 0;
  let height = 0;
  try {
    // Header only, nothing decoded: sharp's own pixel guard would call a huge image "damaged" instead of naming its size.
    const metadata = await sharp(image.bytes, { limitInputPixels: false }).metadata();
    width = metadata.autoOrient?.width ?? metadata.width ?? 0;
    height = metadata.autoOrient?.height ?? metadata.height ?? 0;
  } catch (error) {
    throw new UserInputError(
      'image_unreadable',
      'That image seems to be damaged; I could not read it. Please send it again.',
      { cause: error },
    );
  }
  if (width === 0 || height === 0)
    throw new UserInputError('image_unreadable', 'That image has no pixels I can read. Please send another.');
  if (width * height > limits.maxImagePixels) {
    const megapixels = ((width * height) / 1e6).toFixed(1);
    throw new UserInputError(
      'image_too_many_pixels',
      `That image is ${width}×${height} (${megapixels} MP); the limit is ${(limits.maxImagePixels / 1e6).toFixed(0)} MP. Please send a smaller one.`,
      { details: { width, height } },
    );
  }
  return { mime, width, height };
}

function checkBounds(
  name: string,
  value: number | undefined,
  bounds: { min?: number; max?: number },
  integer: boolean,
): number | undefined {
  if (value === undefined) return undefined;
  const { min = -Infinity, max = Infinity } = bounds;
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'a whole number' : 'a number';
    throw new UserInputError('option_invalid', `${name} must be ${kind} from ${min} to ${max}; got ${value}.`, {
      details: { name, value },
    });
  }
  return value;
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

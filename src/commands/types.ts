/**
 * What adapters hand to the commands layer and what they get back. No chat SDK types here: the
 * Discord, Slack and web adapters translate their events into these and render the replies.
 */
import { CONFIG_DEFAULTS, type Config } from '../config/schema.ts';
import type { ErrorCode } from '../errors.ts';
import type { DiskSpace } from '../disk-space.ts';
import type { EditEngine, SamplerName } from '../engine/types.ts';
import type { ActionCodec } from './action-id.ts';
import type { ImageStore } from '../jobs/image-store.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { JobStore } from '../jobs/store.ts';
import type { ImageRef, MessageRef, Place, UserRef } from '../jobs/types.ts';

/** Who is asking and where. `isAdmin` is the adapter's judgement (e.g. Manage Server); configured admins are added to it. */
export interface CommandContext {
  user: UserRef;
  place: Place;
  isAdmin: boolean;
}

/** An uploaded image, already downloaded by the adapter (never a CDN URL: those expire). */
export interface ImageInput {
  bytes: Uint8Array;
  filename?: string;
  /** What the platform claimed; the bytes decide. */
  contentType?: string;
}

export interface EditOptions {
  /** 0 = keep the photo, 1 = follow the prompt freely. */
  strength?: number;
  preset?: string;
  seed?: number;
  steps?: number;
  guidance?: number;
  sampler?: SamplerName;
  /** 1, or 4 results from one inversion in a 2×2 grid. */
  count?: number;
  /** The edit at four strengths in one grid. */
  sweep?: boolean;
}

export type Command =
  | { kind: 'edit'; image: ImageInput; prompt: string; options?: EditOptions }
  /** Same source, prompt and strength; new seed; stochastic sampler. */
  | { kind: 'variation'; jobId: string; cell?: number }
  /** One cell of a grid at full size, with the usual buttons. */
  | { kind: 'pick'; jobId: string; cell?: number }
  /** The edit at four strengths in a grid. */
  | { kind: 'sweep'; jobId: string }
  /** Strength one step down (subtle) or up (strong), same seed. */
  | { kind: 'subtle'; jobId: string }
  | { kind: 'strong'; jobId: string }
  /** New prompt and/or strength on the same source. */
  | { kind: 'remix'; jobId: string; prompt?: string; strength?: number }
  | { kind: 'cancel'; jobId: string }
  | { kind: 'delete'; jobId: string }
  | { kind: 'info'; jobId: string }
  /** The photo and the result, for the adapter to show side by side (src/bots/shared/side-by-side.ts). */
  | { kind: 'compare'; jobId: string }
  | { kind: 'history'; limit?: number }
  /** Admins only. */
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'audit'; limit?: number };

export type CommandKind = Command['kind'];
export type CommandOf<K extends CommandKind> = Extract<Command, { kind: K }>;

export type ButtonStyle = 'primary' | 'secondary' | 'success' | 'danger';

/** A button the adapter renders; `actionId` is a signed id (≤ 100 chars) to pass back to `handleAction`. */
export interface ReplyButton {
  label: string;
  emoji?: string;
  actionId: string;
  style: ButtonStyle;
}

/** What an adapter shows. `text` is plain language (no platform markup beyond line breaks). */
export interface Reply {
  text: string;
  /** Only the asking user should see it (Discord ephemeral, Slack ephemeral / response_url). */
  ephemeral: boolean;
  buttons?: ReplyButton[];
  /** The job this reply is about, when there is one. */
  jobId?: string;
  /** Images to attach (read them with `core.readImage`). */
  images?: ImageRef[];
  /** The `compare` command's answer: read both with `core.readImage`. The source's size is not stored, so it is a hash only. */
  comparison?: { before: Pick<ImageRef, 'hash'>; after: ImageRef };
  /** An error's stable code, for logs and for adapters that phrase errors their own way. */
  code?: ErrorCode;
  /** The adapter should delete these bot messages (the `delete` command). */
  deleteMessages?: MessageRef[];
  /**
   * The action needs input first (the remix button): show a form with these initial values, then
   * dispatch `{ kind: 'remix', jobId, prompt, strength }`.
   */
  requestInput?: { kind: 'remix'; jobId: string; prompt: string; strength: number | null };
}

/** Option descriptions adapters turn into slash-command options, Slack modal fields or web form inputs. */
export interface CommandOption {
  name: string;
  type: 'string' | 'number' | 'integer' | 'boolean' | 'image' | 'job';
  description: string;
  required?: boolean;
  min?: number;
  max?: number;
  maxLength?: number;
  choices?: readonly string[];
}

export interface CommandLimits {
  /** The defaults: config engine.* and moderation.* (see commandLimitsFromConfig). */
  readonly maxPromptChars?: number;
  /** Words (case-insensitive, whole words) that refuse a prompt. @default [] */
  readonly bannedWords?: readonly string[];
  /** Regular expressions (case-insensitive) that refuse a prompt; an invalid one is refused at start-up. @default [] */
  readonly blockedPatterns?: readonly string[];
  /** Edits one user may start per UTC day (admins are exempt); 0 = unlimited. */
  readonly dailyQuota?: number;
  readonly maxImageBytes?: number;
  /** Width × height of an upload. */
  readonly maxImagePixels?: number;
  readonly maxSteps?: number;
  readonly maxGuidance?: number;
  /** How far subtle/strong move the strength. @default 0.15 */
  readonly strengthStep?: number;
  /** Most jobs `history` lists. @default 10 */
  readonly historyLimit?: number;
}

/** The commands' limits from the configuration (the one table: src/config/schema.ts). */
export function commandLimitsFromConfig(config: Pick<Config, 'engine' | 'moderation'>) {
  const { engine, moderation } = config;
  return {
    maxPromptChars: engine.maxPromptChars,
    bannedWords: moderation.blockedWords,
    blockedPatterns: moderation.blockedPatterns,
    dailyQuota: moderation.dailyQuota,
    maxImageBytes: engine.maxInputBytes,
    maxImagePixels: engine.maxInputPixels,
    maxSteps: engine.maxSteps,
    maxGuidance: engine.maxGuidance,
  } satisfies CommandLimits;
}

export const COMMAND_LIMIT_DEFAULTS: Required<CommandLimits> = {
  ...commandLimitsFromConfig(CONFIG_DEFAULTS),
  strengthStep: 0.15,
  historyLimit: 10,
};

/** What command handlers use; the bot core builds it. */
export interface CommandDeps {
  queue: JobQueue;
  store: JobStore;
  images: ImageStore;
  /** Strength, preset and overrides → full parameters: a pure function of the request and the model's declared defaults. */
  resolveParams: EditEngine['resolveParams'];
  codec: ActionCodec;
  limits: Required<CommandLimits>;
  now: () => number;
  /** Seeds for variations; injectable so tests are deterministic. */
  randomSeed: () => number;
  /** The data volume's free space: below its floor new edits are refused. */
  disk?: Pick<DiskSpace, 'assertRoomForNewWork'>;
}

/** One command: its definition (for adapters to register) and its handler. */
export interface CommandModule<K extends CommandKind> {
  name: K;
  description: string;
  options: readonly CommandOption[];
  /** Validates (throws UserInputError / QuotaError), acts, and answers in plain language. */
  execute(command: CommandOf<K>, ctx: CommandContext, deps: CommandDeps): Promise<Reply>;
}

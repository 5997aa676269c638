/**
 * The façade adapters and the web page build on: it dispatches commands, buttons and reactions over
 * the queue, stores and codec it is given (src/app.ts assembles them). See the API summary at the top
 * of ./index.ts.
 */
import { randomInt } from 'node:crypto';
import type { DiskSpace } from '../disk-space.ts';
import type { EditEngine, ModelVocabulary } from '../engine/types.ts';
import { UserInputError, userFailure } from '../errors.ts';
import { userKey } from '../jobs/ids.ts';
import type { ImageStore } from '../jobs/image-store.ts';
import { applyRetention } from '../jobs/retention.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { JobStore } from '../jobs/store.ts';
import type { ImageRef, JobEvent, JobEventListener, JobRecord, MessageRef } from '../jobs/types.ts';
import { createActionCodec } from './action-id.ts';
import { findVisibleJob, visibleJob } from './job-access.ts';
import { commandForReaction, type Reaction } from './react.ts';
import type { ActionCodec } from './action-id.ts';
import { commandRegistry, type CommandRegistry } from './registry.ts';
import { GRID_SIZE } from './grid-size.ts';
import { vocabularyHelp } from './prompt-words.ts';
import { renderJobEvent } from './render-event.ts';
import { checkDailyQuota } from './lineage.ts';
import { resolveCommandLimits, validateEditOptions, validatePrompt } from './validate.ts';
import type {
  Command,
  CommandContext,
  CommandDeps,
  CommandLimits,
  CommandModule,
  EditOptions,
  Reply,
} from './types.ts';

export interface BotCoreOptions {
  store: JobStore;
  images: ImageStore;
  /** Over the same store and images. The core starts and closes it (and closes the store). */
  queue: JobQueue;
  /** Strength/preset/overrides → parameters, once at submit: the model's declared defaults, no model loaded. */
  resolveParams: EditEngine['resolveParams'];
  /** The model's fixed vocabulary (the built-in demo's), for /help and honest results; null for FLUX.1. */
  vocabulary?: ModelVocabulary | null;
  /** Signs button ids; keep it stable across restarts or old buttons stop working. At least 16 chars. */
  secret: string;
  limits?: CommandLimits;
  /** Extra admins as "platform:userId" (in addition to what adapters report in ctx.isAdmin). @default [] */
  admins?: readonly string[];
  /** Finished jobs and their images are removed this long after they finish. @default 2_592_000_000 (30 days) */
  retentionMs?: number;
  onError?: (error: unknown, context: { jobId?: string; where: string }) => void;
  /** The data volume's free space: caches give way to images, and below the floor new edits are refused. */
  disk?: DiskSpace;
  now?: () => number;
  /** Seeds for variations. @default crypto random 32-bit */
  randomSeed?: () => number;
}

export const BOT_CORE_DEFAULTS: Required<Pick<BotCoreOptions, 'admins' | 'retentionMs'>> = {
  admins: [],
  retentionMs: 30 * 24 * 3_600_000, // 30 days
};

export interface BotCore {
  /** Runs a command; never throws for user mistakes: errors come back as an ephemeral reply with `code`. */
  dispatch(command: Command, ctx: CommandContext): Promise<Reply>;
  /** A button press: decodes and checks the signed id, then runs the action as its command. */
  handleAction(actionId: string, ctx: CommandContext): Promise<Reply>;
  /**
   * A reaction on a job's message (the adapter maps its emoji): `repeat` makes a variation; `remove` cancels a
   * job that waits or runs and deletes a finished one (owner and admins). Never throws for user mistakes.
   */
  react(jobId: string, reaction: Reaction, ctx: CommandContext): Promise<Reply>;
  /**
   * The refusals of a new edit that need no image and no I/O (prompt, options, daily quota), so an adapter can
   * answer privately before it defers publicly. Null when nothing is refused yet; dispatch checks all again.
   */
  precheck(request: { prompt: string; options?: EditOptions }, ctx: CommandContext): Reply | null;
  /** A job event as text and buttons. */
  render(event: JobEvent): Reply;
  /** For /help: the words the model knows, when it has a fixed vocabulary (the built-in demo); null for FLUX.1. */
  vocabularyHelp(): string | null;
  events: {
    onEvent(listener: JobEventListener): () => void;
    subscribe(jobId: string, listener: JobEventListener): () => void;
  };
  /** Remember the message showing a job's status or result; recording the result message also confirms delivery. */
  recordMessage(jobId: string, ref: MessageRef): void;
  /** Confirms the owner saw the outcome (for adapters that record no result message), so a restart does not send it again. */
  markDelivered(jobId: string): void;
  getJob(jobId: string): JobRecord | null;
  /**
   * Whether `who` may see the job (its images, its details): the rule `info` applies, without running a command,
   * so an image fetch writes no audit row.
   */
  canSee(jobId: string, who: CommandContext): boolean;
  readImage(ref: Pick<ImageRef, 'hash'>): Promise<Uint8Array>;
  /** Retention: drops finished jobs older than retentionMs and images nothing refers to any more. */
  cleanup(): Promise<{ jobsRemoved: number; imagesRemoved: number }>;
  /** Every command with its option bounds from the limits in force: what adapters register with the platforms. */
  commands: CommandRegistry;
  codec: ActionCodec;
  queue: JobQueue;
  /** Resumes jobs from the store and starts running. Subscribe to events before calling it. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createBotCore(options: BotCoreOptions): BotCore {
  const now = options.now ?? Date.now;
  const retentionMs = options.retentionMs ?? BOT_CORE_DEFAULTS.retentionMs;
  const admins = new Set(options.admins ?? BOT_CORE_DEFAULTS.admins);
  const onError = options.onError ?? (() => {});
  const { store, images, queue } = options;
  const codec = createActionCodec(options.secret);
  const limits = resolveCommandLimits(options.limits);
  const commands = commandRegistry(limits);
  const deps: CommandDeps = {
    queue,
    store,
    images,
    resolveParams: options.resolveParams,
    codec,
    limits,
    now,
    randomSeed: options.randomSeed ?? (() => randomInt(0, 0xffff_ffff)),
    ...(options.disk ? { disk: options.disk } : {}),
  };

  const withAdmins = (ctx: CommandContext): CommandContext => ({
    ...ctx,
    isAdmin: ctx.isAdmin || admins.has(userKey(ctx.user)),
  });

  async function dispatch(command: Command, ctx: CommandContext): Promise<Reply> {
    let reply: Reply;
    try {
      const module = commands[command.kind] as CommandModule<Command['kind']>;
      reply = await module.execute(command, withAdmins(ctx), deps);
    } catch (error) {
      reply = errorReply(error);
    }
    audit(command, ctx, reply);
    return reply;
  }

  /** Who asked for what, and what they were told (refusals by code). */
  function audit(command: Command, ctx: CommandContext, reply: Reply): void {
    const jobId = reply.jobId ?? ('jobId' in command ? command.jobId : undefined);
    const prompt = 'prompt' in command && typeof command.prompt === 'string' ? command.prompt : undefined;
    try {
      store.appendAudit({
        at: now(),
        user: ctx.user,
        place: ctx.place,
        command: command.kind,
        outcome: reply.code ?? 'ok',
        ...(jobId ? { jobId } : {}),
        ...(prompt ? { detail: prompt.slice(0, 500) } : {}),
      });
    } catch (error) {
      onError(error, { where: 'audit log' }); // the audit log must never cost a user their answer
    }
  }

  function errorReply(error: unknown): Reply {
    const failure = userFailure(error, {
      report: (err, referenceId) => onError(err, { where: `command (reference ${referenceId})` }),
    });
    return { text: failure.userMessage, ephemeral: true, code: failure.code };
  }

  async function handleAction(actionId: string, ctx: CommandContext): Promise<Reply> {
    const action = codec.decode(actionId);
    if (!action) {
      return errorReply(
        new UserInputError(
          'action_invalid',
          'That button is not valid here (it may belong to another bot, or was altered).',
        ),
      );
    }
    if (action.action === 'remix') {
      // Remix needs a new prompt first: the adapter opens a form with the current values.
      try {
        const job = findVisibleJob(action.jobId, withAdmins(ctx), deps);
        const requestInput = {
          kind: 'remix' as const,
          jobId: job.id,
          prompt: job.prompt,
          strength: job.params.strength,
        };
        return { text: 'Change the prompt or strength, then submit.', ephemeral: true, jobId: job.id, requestInput };
      } catch (error) {
        return errorReply(error);
      }
    }
    // A grid's buttons name their cell (pick 2, vary 3).
    const cell = action.arg !== undefined && /^[1-9]$/.test(action.arg) ? { cell: Number(action.arg) } : {};
    if (action.action === 'pick' || action.action === 'variation')
      return dispatch({ kind: action.action, jobId: action.jobId, ...cell }, ctx);
    return dispatch({ kind: action.action, jobId: action.jobId }, ctx);
  }

  async function react(jobId: string, reaction: Reaction, ctx: CommandContext): Promise<Reply> {
    let command: Command;
    try {
      command = commandForReaction(jobId, reaction, withAdmins(ctx), deps);
    } catch (error) {
      return errorReply(error);
    }
    return dispatch(command, ctx);
  }

  function precheck(request: { prompt: string; options?: EditOptions }, ctx: CommandContext): Reply | null {
    try {
      validatePrompt(request.prompt, deps.limits);
      const options = validateEditOptions(request.options ?? {}, deps.limits);
      const results = options.sweep || options.count === GRID_SIZE ? GRID_SIZE : 1;
      checkDailyQuota(withAdmins(ctx), deps, results);
      const refusal = queue.admissionRefusal?.(ctx.user, results);
      if (refusal) throw refusal;
      return null;
    } catch (error) {
      return errorReply(error);
    }
  }

  return {
    dispatch,
    handleAction,
    react,
    precheck,
    render: (event) => renderJobEvent(event, codec),
    vocabularyHelp: () => (options.vocabulary ? vocabularyHelp(options.vocabulary) : null),
    events: {
      onEvent: (listener) => queue.onEvent(listener),
      subscribe: (jobId, listener) => queue.subscribe(jobId, listener),
    },
    recordMessage(jobId, ref) {
      store.recordMessage(jobId, ref);
      if (ref.role === 'result') store.markDelivered(jobId, now());
    },
    markDelivered: (jobId) => store.markDelivered(jobId, now()),
    getJob: (jobId) => store.get(jobId),
    canSee: (jobId, who) => visibleJob(jobId, withAdmins(who), deps) !== null,
    readImage: (ref) => images.read(ref),
    cleanup: () => applyRetention(store, images, now() - retentionMs),
    commands,
    codec,
    queue,
    start: () => queue.start(),
    async close() {
      await queue.close();
      store.close();
    },
  };
}

/**
 * The façade adapters and the web page build on: one object holding the queue, the stores, the
 * command registry and the action-id codec. See the API summary at the top of ./index.ts.
 */
import { randomInt } from 'node:crypto';
import type { EditEngine } from '../engine/types.ts';
import { RfeditError, UserInputError, asRfeditError } from '../errors.ts';
import { imageDir, jobStorePath } from '../jobs/data-dir.ts';
import { newJobId, userKey } from '../jobs/ids.ts';
import { ImageStore } from '../jobs/image-store.ts';
import { applyRetention } from '../jobs/retention.ts';
import { MemoryJobQueue } from '../jobs/memory-queue.ts';
import type { JobQueue, QueueOptions } from '../jobs/queue.ts';
import { JobStore } from '../jobs/store.ts';
import type { ImageRef, JobEvent, JobEventListener, JobRecord, MessageRef } from '../jobs/types.ts';
import { createActionCodec } from './action-id.ts';
import { findVisibleJob } from './job-access.ts';
import { commandForReaction, type Reaction } from './react.ts';
import type { ActionCodec } from './action-id.ts';
import { COMMANDS } from './registry.ts';
import { vocabularyHelp } from './prompt-words.ts';
import { renderJobEvent } from './render-event.ts';
import { resolveCommandLimits } from './validate.ts';
import type { Command, CommandContext, CommandDeps, CommandLimits, CommandModule, Reply } from './types.ts';

export interface BotCoreOptions {
  engine: EditEngine;
  /** Holds jobs.sqlite and images/. */
  dataDir: string;
  /** Signs button ids; keep it stable across restarts or old buttons stop working. At least 16 chars. */
  secret: string;
  queue?: QueueOptions;
  limits?: CommandLimits;
  /** Extra admins as "platform:userId" (in addition to what adapters report in ctx.isAdmin). @default [] */
  admins?: readonly string[];
  /** Finished jobs and their images are removed this long after they finish. @default 2_592_000_000 (30 days) */
  retentionMs?: number;
  /** Replaces the in-process queue (the Redis one, later). It must use the same store and image store. */
  createQueue?: (deps: { engine: EditEngine; store: JobStore; images: ImageStore }) => JobQueue;
  onError?: (error: unknown, context: { jobId?: string; where: string }) => void;
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
  readImage(ref: Pick<ImageRef, 'hash'>): Promise<Uint8Array>;
  /** Retention: drops finished jobs older than retentionMs and images nothing refers to any more. */
  cleanup(): Promise<{ jobsRemoved: number; imagesRemoved: number }>;
  commands: typeof COMMANDS;
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
  const store = new JobStore(jobStorePath(options.dataDir));
  const images = new ImageStore(imageDir(options.dataDir));
  const codec = createActionCodec(options.secret);
  const queue =
    options.createQueue?.({ engine: options.engine, store, images }) ??
    new MemoryJobQueue({ engine: options.engine, store, images, options: { now, ...options.queue }, onError });
  const deps: CommandDeps = {
    queue,
    store,
    images,
    engine: options.engine,
    codec,
    limits: resolveCommandLimits(options.limits),
    now,
    randomSeed: options.randomSeed ?? (() => randomInt(0, 0xffff_ffff)),
  };

  const withAdmins = (ctx: CommandContext): CommandContext => ({ ...ctx, isAdmin: ctx.isAdmin || admins.has(userKey(ctx.user)) });

  async function dispatch(command: Command, ctx: CommandContext): Promise<Reply> {
    let reply: Reply;
    try {
      const module = COMMANDS[command.kind] as CommandModule<Command['kind']>;
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
    const referenceId = newJobId();
    const failure = asRfeditError(error, referenceId);
    if (!(error instanceof RfeditError)) onError(error, { where: `command (reference ${referenceId})` });
    return { text: failure.userMessage, ephemeral: true, code: failure.code };
  }

  async function handleAction(actionId: string, ctx: CommandContext): Promise<Reply> {
    const action = codec.decode(actionId);
    if (!action) {
      return errorReply(new UserInputError('action_invalid', 'That button is not valid here (it may belong to another bot, or was altered).'));
    }
    if (action.action === 'remix') {
      // Remix needs a new prompt first: the adapter opens a form with the current values.
      try {
        const job = findVisibleJob(action.jobId, withAdmins(ctx), deps);
        const requestInput = { kind: 'remix' as const, jobId: job.id, prompt: job.prompt, strength: job.params.strength };
        return { text: 'Change the prompt or strength, then submit.', ephemeral: true, jobId: job.id, requestInput };
      } catch (error) {
        return errorReply(error);
      }
    }
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

  return {
    dispatch,
    handleAction,
    react,
    render: (event) => renderJobEvent(event, codec),
    vocabularyHelp: () => (options.engine.vocabulary ? vocabularyHelp(options.engine.vocabulary) : null),
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
    readImage: (ref) => images.read(ref),
    cleanup: () => applyRetention(store, images, now() - retentionMs),
    commands: COMMANDS,
    codec,
    queue,
    start: () => queue.start(),
    async close() {
      await queue.close();
      store.close();
    },
  };
}

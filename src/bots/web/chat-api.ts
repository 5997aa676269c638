/**
 * What the page can ask for, as plain functions of (user, input): send a typed command with an
 * optional photo, press a button, react, submit the remix form, load the scrollback, fetch an image.
 * Each one translates to a core command and back; the core decides everything.
 */
import { randomBytes } from 'node:crypto';
import { actionLabel } from '../../commands/index.ts';
import type { BotCore, CommandContext, ImageInput, Reaction, Reply, UserRef } from '../../commands/index.ts';
import { jobNotFound } from '../../commands/index.ts';
import { QuotaError, RfeditError, UserInputError } from '../../errors.ts';
import { sniffImageMime } from '../../jobs/image-store.ts';
import { cardFromRecord, REACTIONS } from './cards.ts';
import type { ClientQuota } from './client-quota.ts';
import type { JobCard } from './cards.ts';
import { HttpError } from './http-io.ts';
import { WEB_CHANNEL_ID, webContext } from './identity.ts';
import type { LiveHub } from './live-hub.ts';
import { helpText, parseChatInput } from './parse-command.ts';
import type { Transcript, TranscriptEntry } from './transcript.ts';

/** A reply as the page shows it: ephemeral ones only to the asker, under the message that caused them. */
export interface WireReply {
  text: string;
  ephemeral: boolean;
  code?: string;
  jobId?: string;
  threadId: string;
  requestInput?: Reply['requestInput'];
  /** Bot messages (job cards) to take down, as `delete` asked; also pushed to the user's other tabs. */
  removeMessageIds?: string[];
  /** A cancel's answer ("Stopping your edit…"): the page drops it once this job's card shows how it ended. */
  settlesWithJob?: string;
}

export interface ApiResult {
  reply: WireReply;
  /** The user message, when it started a job (it joins the scrollback). */
  message?: TranscriptEntry;
  /** The job it started, as it stands now; live updates follow over the socket. */
  card?: JobCard;
}

/** Who asks: the user (their issued identity) and the key their per-client limits are counted under. */
export interface WebClient {
  user: UserRef;
  /** The address for anonymous clients, the identity for signed-in ones (client-quota.ts). */
  key: string;
}

export interface ChatApiDeps {
  core: BotCore;
  transcript: Transcript;
  hub: LiveHub;
  quota: ClientQuota;
  nextSeq: () => number;
  now?: () => number;
}

/** How much scrollback a page load gets. */
const TRANSCRIPT_LIMIT = 200;
const MESSAGE_ID = /^[A-Za-z0-9_-]{1,40}$/;
/** Commands that start an edit: they count against the client's limits. */
const MAKES_JOB = new Set<string>(['edit', 'variation', 'subtle', 'strong', 'remix']);
const FINISHED = new Set<string>(['done', 'failed', 'cancelled']);
const REACTION_OF = new Map<string, Reaction>([
  [REACTIONS.variation, 'repeat'],
  [REACTIONS.remove, 'remove'],
]);

export function createChatApi(deps: ChatApiDeps) {
  const { core, transcript, hub, quota, nextSeq } = deps;
  const now = deps.now ?? Date.now;

  /**
   * Runs one command for the client and records what it started. `threadId` undefined = a new thread.
   * `produce` calls `holdPlace` before a command that starts an edit: it refuses when the client is at its limits.
   */
  async function run(
    client: WebClient,
    text: string,
    threadId: string | undefined,
    produce: (ctx: CommandContext, holdPlace: () => void) => Promise<Reply>,
  ): Promise<ApiResult> {
    const { user } = client;
    const messageId = newMessageId();
    const thread = threadId === undefined ? messageId : checkThreadId(threadId);
    let release: (() => void) | undefined;
    try {
      const reply = await userMistakesAsReplies(() =>
        produce(webContext(user, thread), () => (release = quota.reserve(client.key))),
      );
      return record(client, text, messageId, thread, reply, release !== undefined);
    } finally {
      release?.();
    }
  }

  function record(
    client: WebClient,
    text: string,
    messageId: string,
    thread: string,
    reply: Reply,
    held: boolean,
  ): ApiResult {
    const { user } = client;
    const removed = (reply.deleteMessages ?? []).filter((ref) => ref.platform === 'web').map((ref) => ref.messageId);
    if (removed.length > 0) hub.sendTo(user.id, { type: 'remove', messageIds: removed });
    const wire: WireReply = {
      text: reply.text,
      ephemeral: reply.ephemeral,
      threadId: thread,
      ...pick(reply, 'code', 'jobId', 'requestInput'),
    };
    if (removed.length > 0) wire.removeMessageIds = removed;
    const job = reply.jobId === undefined || reply.ephemeral ? null : core.getJob(reply.jobId);
    if (!job) return { reply: wire };
    if (held && !FINISHED.has(job.status)) quota.started(client.key, job.id);
    // A new job: the card's id is the job id, so a later delete names it and the page removes it.
    core.recordMessage(job.id, {
      role: 'status',
      platform: 'web',
      channelId: WEB_CHANNEL_ID,
      threadId: thread,
      messageId: job.id,
    });
    const message: TranscriptEntry = { messageId, threadId: thread, userId: user.id, text, jobId: job.id, at: now() };
    transcript.add(message);
    return { reply: wire, message, card: cardFromRecord(job, core.queue.position(job.id), core, nextSeq()) };
  }

  return {
    /** A line typed in the composer, with the attached photo if any. */
    send(client: WebClient, text: string, attachment: ImageInput | null): Promise<ApiResult> {
      return run(client, text.trim(), undefined, async (ctx, holdPlace) => {
        const input = parseChatInput(text, attachment);
        if (input.kind === 'help') return { text: helpText(core.vocabularyHelp()), ephemeral: true };
        if (MAKES_JOB.has(input.kind)) holdPlace();
        return core.dispatch(input, ctx);
      });
    },

    /** A button under a job (its signed id came from a card). */
    async action(client: WebClient, actionId: string, threadId: string): Promise<ApiResult> {
      const action = core.codec.decode(actionId);
      const result = await run(client, action ? actionLabel(action.action) : 'A button', threadId, (ctx, holdPlace) => {
        if (action && MAKES_JOB.has(action.action)) holdPlace();
        return core.handleAction(actionId, ctx);
      });
      return action?.action === 'cancel' ? settling(result, action.jobId) : result;
    },

    /** 🔁 asks for a variation; ❌ cancels a waiting or running job and deletes a finished one (`core.react` decides). */
    async react(client: WebClient, jobId: string, emoji: string, threadId: string): Promise<ApiResult> {
      const reacted = REACTION_OF.get(emoji);
      const status = core.getJob(jobId)?.status;
      const result = await run(client, emoji, threadId, async (ctx, holdPlace) => {
        if (reacted === undefined)
          throw new UserInputError(
            'reaction_unknown',
            `${emoji} does nothing here; react with ${REACTIONS.variation} or ${REACTIONS.remove}.`,
          );
        if (reacted === 'repeat') holdPlace();
        return core.react(jobId, reacted, ctx);
      });
      // ❌ on a job that waits or runs cancels it.
      return reacted === 'remove' && (status === 'queued' || status === 'running') ? settling(result, jobId) : result;
    },

    /** The remix form's submit (opened by a Remix button's `requestInput`). */
    remix(
      client: WebClient,
      jobId: string,
      prompt: string | undefined,
      strength: number | undefined,
      threadId: string,
    ): Promise<ApiResult> {
      return run(
        client,
        `Remix: ${prompt ?? ''}${strength === undefined ? '' : ` --strength ${strength}`}`.trim(),
        threadId,
        (ctx, holdPlace) => {
          holdPlace();
          return core.dispatch(
            {
              kind: 'remix',
              jobId,
              ...(prompt === undefined ? {} : { prompt }),
              ...(strength === undefined ? {} : { strength }),
            },
            ctx,
          );
        },
      );
    },

    /**
     * The user's scrollback with every job as it stands now, including jobs that finished while the
     * page was closed or the server was down; showing them counts as delivering them.
     */
    scrollback(user: UserRef): { messages: TranscriptEntry[]; cards: JobCard[] } {
      const messages = transcript.forUser(user.id, TRANSCRIPT_LIMIT);
      const cards: JobCard[] = [];
      for (const message of messages) {
        const job = core.getJob(message.jobId);
        if (!job || job.deleted) continue;
        cards.push(cardFromRecord(job, core.queue.position(job.id), core, nextSeq()));
        const finished = job.status === 'done' || job.status === 'failed' || job.status === 'cancelled';
        if (finished && job.deliveredAt === null) core.markDelivered(job.id);
      }
      return { messages, cards };
    },

    /** A job's source or result, for a user who may see the job (the rule `info` applies; no audit row per fetch). */
    async image(
      user: UserRef,
      jobId: string,
      which: 'source' | 'result',
    ): Promise<{ mime: string; bytes: Uint8Array }> {
      const job = core.canSee(jobId, webContext(user, jobId)) ? core.getJob(jobId) : null;
      if (!job) {
        const notFound = jobNotFound(jobId);
        throw new HttpError(404, notFound.code, notFound.userMessage);
      }
      const hash = which === 'result' ? job.result?.hash : job.sourceHash;
      if (hash === undefined) throw new HttpError(404, 'no_result', 'That edit has no result yet.');
      const bytes = await userMistakesAsHttp(() => core.readImage({ hash }));
      return { mime: sniffImageMime(bytes) ?? 'application/octet-stream', bytes };
    },
  };
}

export type ChatApi = ReturnType<typeof createChatApi>;

function settling(result: ApiResult, jobId: string): ApiResult {
  return result.reply.code === undefined ? { ...result, reply: { ...result.reply, settlesWithJob: jobId } } : result;
}

/** The core never throws for user mistakes; the page's own parsing and limits can, and are answered the same way. */
async function userMistakesAsReplies(produce: () => Promise<Reply>): Promise<Reply> {
  try {
    return await produce();
  } catch (error) {
    if (error instanceof UserInputError || error instanceof QuotaError)
      return { text: error.userMessage, ephemeral: true, code: error.code };
    throw error;
  }
}

async function userMistakesAsHttp<T>(produce: () => Promise<T>): Promise<T> {
  try {
    return await produce();
  } catch (error) {
    if (error instanceof RfeditError) throw new HttpError(404, error.code, error.userMessage);
    throw error;
  }
}

function checkThreadId(threadId: string): string {
  if (!MESSAGE_ID.test(threadId))
    throw new HttpError(400, 'bad_request', 'That thread does not exist here. Please reload the page.');
  return threadId;
}

function newMessageId(): string {
  return randomBytes(9).toString('base64url');
}

function pick<T extends object, K extends keyof T>(value: T, ...keys: K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((key) => value[key] !== undefined).map((key) => [key, value[key]])) as Partial<
    Pick<T, K>
  >;
}

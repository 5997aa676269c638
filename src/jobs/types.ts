/**
 * The vocabulary of the jobs layer: who asked, where, what, and the events a job's life produces.
 * Platform-neutral: ids are opaque strings chosen by the adapter that created them.
 */
import type { EditParams, ScaledFrom } from '../engine/types.ts';
import type { ErrorCode } from '../errors.ts';

export type Platform = 'discord' | 'slack' | 'web' | 'cli';

/** The person behind a command. `id` is the platform's user id. */
export interface UserRef {
  platform: Platform;
  id: string;
  /** Display name, for messages only; never used for decisions. */
  name?: string;
}

/** Where a command came from and where its results go. */
export interface Place {
  platform: Platform;
  /** Discord guild id or Slack workspace (team) id; absent in DMs and on the web page. */
  guildId?: string;
  channelId: string;
  /** Discord thread channel id, Slack thread_ts. */
  threadId?: string;
  /** The message or interaction that carried the command. */
  messageId?: string;
}

/** A chat message the bot posted about a job, so a restarted bot can edit it or answer under it. */
export interface MessageRef {
  role: MessageRole;
  platform: Platform;
  channelId: string;
  threadId?: string;
  messageId: string;
}
export type MessageRole = 'status' | 'result';

/** An image in the content-addressed store. */
export interface ImageRef {
  /** sha256 of the bytes, hex. */
  hash: string;
  mime: 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';
  width: number;
  height: number;
  sizeBytes: number;
  /** A result made from a smaller copy of the photo: the photo's size and the engine's pixel budget. */
  scaledFrom?: ScaledFrom;
  /** A grid picture's cells, each stored at full size, in grid order. */
  cells?: ImageRef[];
}

/**
 * Several results from one inversion, shown as a 2×2 grid: `candidates` (the edit and three others with their
 * own seeds) or a strength `sweep`. Each cell's parameters are resolved at submit, like a job's own.
 */
export interface GridSpec {
  kind: 'candidates' | 'sweep';
  cells: EditParams[];
  labels: string[];
}

export type JobKind = 'edit' | 'variation' | 'subtle' | 'strong' | 'remix' | 'pick' | 'sweep';
export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
export const FINISHED_STATUSES: readonly JobStatus[] = ['done', 'failed', 'cancelled'];

/** What a command hands to the queue. The source image is already in the image store. */
export interface JobSpec {
  kind: JobKind;
  owner: UserRef;
  place: Place;
  prompt: string;
  strength?: number;
  preset?: string;
  overrides?: Partial<Omit<EditParams, 'strength' | 'preset'>>;
  /** Parameters as resolved at submit time (the result's own params replace them when it is done). */
  params: EditParams;
  /** A grid: all its cells' parameters (the first is `params`). */
  grid?: GridSpec;
  sourceHash: string;
  /** The job this one was derived from (variation, subtle, strong, remix); null for a fresh edit. */
  parentId: string | null;
}

export interface JobTimings {
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** The engine's own per-phase timings of the final run. */
  engineMs: Record<string, number> | null;
}

/** A job as stored. Times are epoch milliseconds. */
export interface JobRecord extends JobSpec {
  id: string;
  status: JobStatus;
  /** How many times the engine was started for this job (more than one after a restart mid-job). */
  attempts: number;
  result: ImageRef | null;
  error: { code: ErrorCode; userMessage: string } | null;
  timings: JobTimings;
  messages: MessageRef[];
  /** When an adapter confirmed it showed the final outcome (done/failed/cancelled) to the owner. */
  deliveredAt: number | null;
  deleted: boolean;
}

/** Fields every event carries, so one listener can route events of all jobs. */
export interface JobEventBase {
  jobId: string;
  owner: UserRef;
  place: Place;
}

/**
 * A job's life, as adapters render it.
 * - queued: on submit, again after a restart put the job back in line (`resumed`), and to every waiting job when
 *   the queue pauses (`paused`: a shutdown or an admin; the job keeps its place) or resumes.
 * - progress: throttled (one per `progressIntervalMs`), `fraction` 0..1 over the whole edit.
 * - failed: `userMessage` is safe to show and says what the user can do.
 * - `redelivery` marks a final event sent again after a restart because no adapter confirmed it.
 */
export type JobEvent =
  | (JobEventBase & { type: 'queued'; position: number; etaMs: number; resumed: boolean; paused?: boolean })
  | (JobEventBase & { type: 'started'; attempt: number; etaMs: number })
  | (JobEventBase & {
      type: 'progress';
      step: number;
      total: number;
      fraction: number;
      phase: string;
      preview?: Uint8Array;
    })
  | (JobEventBase & { type: 'done'; images: ImageRef[]; params: EditParams; redelivery: boolean })
  | (JobEventBase & { type: 'failed'; code: ErrorCode; userMessage: string; redelivery: boolean })
  | (JobEventBase & { type: 'cancelled'; byOwner: boolean; redelivery: boolean });

export type JobEventType = JobEvent['type'];
export type JobEventListener = (event: JobEvent) => void;

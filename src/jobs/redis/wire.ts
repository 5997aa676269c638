/**
 * What travels through Redis between the bot and the workers. Small on purpose: images go by their
 * hash in the shared image store, never as bytes (except the tiny progress previews).
 */
import type { EditParams, EditPhase } from '../../engine/types.ts';
import type { JobOutcome } from '../outcome.ts';
import type { RunnableJob } from '../run-edit.ts';
import type { GridSpec, JobRecord } from '../types.ts';

export type { JobOutcome } from '../outcome.ts';

/** A BullMQ job's data: what a worker needs to run the edit. The job's BullMQ name is the owner's userKey. */
export interface WireJobData {
  jobId: string;
  userKey: string;
  /** Fairness tag; also the BullMQ priority (lower starts first). */
  tag: number;
  prompt: string;
  sourceHash: string;
  /** The parameters resolved at submit (seed included): the worker runs exactly these. */
  params: EditParams;
  /** A grid's cells, resolved at submit too. */
  grid?: GridSpec;
}

/** Sent by a worker through `job.updateProgress`, and so through BullMQ's event stream, to every bot. */
export type WorkerSignal =
  | { kind: 'started'; worker: string; startedAt: number }
  | { kind: 'progress'; phase: EditPhase; step: number; total: number; fraction: number; previewBase64?: string };

export function wireJobData(job: JobRecord, userKey: string, tag: number): WireJobData {
  return {
    jobId: job.id,
    userKey,
    tag,
    prompt: job.prompt,
    sourceHash: job.sourceHash,
    params: job.params,
    ...(job.grid ? { grid: job.grid } : {}),
  };
}

/** What the runner needs, from what came over the wire. */
export function jobFromWire(data: WireJobData): RunnableJob {
  return {
    id: data.jobId,
    prompt: data.prompt,
    sourceHash: data.sourceHash,
    params: data.params,
    ...(data.grid ? { grid: data.grid } : {}),
  };
}

export function isWorkerSignal(value: unknown): value is WorkerSignal {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'started' || kind === 'progress';
}

/** BullMQ hands return values to QueueEvents as parsed JSON (or a string in some versions); accept both. */
export function parseOutcome(returnValue: unknown): JobOutcome | null {
  const value = typeof returnValue === 'string' ? safeJson(returnValue) : returnValue;
  const status = (value as { status?: unknown } | null)?.status;
  return status === 'done' || status === 'failed' || status === 'cancelled' ? (value as JobOutcome) : null;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

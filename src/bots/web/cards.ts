/**
 * What the page draws for a job: one "card" per job, updated in place as its events arrive. Built
 * from the core's own rendering (`core.render`) so the text and buttons are the same as on Discord
 * and Slack; this file only adds what a browser needs (image URLs, alt text, a data-URL preview).
 */
import type { BotCore, JobEvent, JobRecord, Reply, ReplyButton } from '../../commands/index.ts';

export type CardState = JobRecord['status'];

export interface CardImage {
  url: string;
  width: number;
  height: number;
  /** Carries the prompt, so a screen reader says what the picture is meant to show. */
  alt: string;
}

/** A button as the page draws it; `local` buttons only change the view (no request). */
export interface CardButton extends Omit<ReplyButton, 'actionId'> {
  actionId?: string;
  local?: 'compare';
}

export interface JobCard {
  jobId: string;
  threadId: string;
  kind: JobRecord['kind'];
  prompt: string;
  state: CardState;
  text: string;
  code?: string;
  /** 0..1 while running. */
  progress?: number;
  /** data: URL of the engine's latest preview. */
  preview?: string;
  images: CardImage[];
  source: CardImage | null;
  buttons: CardButton[];
  /** Reactions the user can add (🔁 variation, ❌ cancel or delete), as on Discord. */
  reactions: string[];
  /** Increases with every update the server sends; the page keeps the newest. */
  seq: number;
}

export const REACTIONS = { variation: '🔁', remove: '❌' } as const;

const STATE_OF_EVENT: Record<JobEvent['type'], CardState> = {
  queued: 'queued',
  started: 'running',
  progress: 'running',
  done: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** Sequence numbers that keep growing across restarts (they start from the clock), so a reloaded page never mistakes new for old. */
export function createSequence(now: () => number = Date.now): () => number {
  let last = 0;
  return () => (last = Math.max(last + 1, now() * 1_000));
}

export function cardFromEvent(event: JobEvent, job: JobRecord, core: Pick<BotCore, 'render'>, seq: number): JobCard {
  const reply = core.render(event);
  const card = baseCard(job, STATE_OF_EVENT[event.type], reply, seq);
  if (event.type === 'progress') {
    card.progress = event.fraction;
    if (event.preview) card.preview = `data:image/png;base64,${Buffer.from(event.preview).toString('base64')}`;
  }
  if (event.type === 'done') card.images = event.images.map((ref) => imageOf(job, 'result', ref));
  return withViewButtons(card);
}

/**
 * A job as it stands in the store, for a page that (re)loads: the same rendering as a live event
 * would give, from the recorded state. `position` is the queue's answer for waiting or running jobs.
 */
export function cardFromRecord(
  job: JobRecord,
  position: { position: number; etaMs: number } | null,
  core: Pick<BotCore, 'render'>,
  seq: number,
): JobCard {
  return withViewButtons(
    baseCard(
      job,
      job.status,
      core.render(eventOfRecord(job, position)),
      seq,
      job.result ? [imageOf(job, 'result', job.result)] : [],
    ),
  );
}

function eventOfRecord(job: JobRecord, position: { position: number; etaMs: number } | null): JobEvent {
  const base = { jobId: job.id, owner: job.owner, place: job.place };
  switch (job.status) {
    case 'queued':
    case 'running':
      // A job the queue no longer knows (between a crash and start()) is shown as waiting.
      if (position && position.position === 0)
        return { ...base, type: 'started', attempt: job.attempts, etaMs: position.etaMs };
      return {
        ...base,
        type: 'queued',
        position: position?.position ?? 1,
        etaMs: position?.etaMs ?? 0,
        resumed: false,
      };
    case 'done':
      return { ...base, type: 'done', images: job.result ? [job.result] : [], params: job.params, redelivery: false };
    case 'failed':
      return {
        ...base,
        type: 'failed',
        code: job.error?.code ?? 'internal',
        userMessage: job.error?.userMessage ?? 'The edit failed.',
        redelivery: false,
      };
    case 'cancelled':
      // The store does not say who cancelled; on the page only the owner can (nobody is an admin there).
      return { ...base, type: 'cancelled', byOwner: true, redelivery: false };
  }
}

function baseCard(job: JobRecord, state: CardState, reply: Reply, seq: number, images: CardImage[] = []): JobCard {
  return {
    jobId: job.id,
    threadId: job.place.threadId ?? job.id,
    kind: job.kind,
    prompt: job.prompt,
    state,
    text: reply.text,
    ...(reply.code === undefined ? {} : { code: reply.code }),
    images,
    source: { url: imageUrl(job, 'source'), width: 0, height: 0, alt: `Your photo, before “${job.prompt}”` },
    buttons: reply.buttons ?? [],
    reactions: [],
    seq,
  };
}

/** Compare (source beside result) and the reactions belong to how a browser shows a result, not to the job. */
function withViewButtons(card: JobCard): JobCard {
  if (card.state === 'done' && card.images.length > 0) {
    card.buttons = [...card.buttons, { label: 'Compare', emoji: '↔️', style: 'secondary', local: 'compare' }];
    card.reactions = [REACTIONS.variation, REACTIONS.remove];
  } else {
    card.reactions = [REACTIONS.remove]; // cancels a waiting or running job, removes a finished one
  }
  return card;
}

function imageOf(
  job: JobRecord,
  which: 'result' | 'source',
  ref: { hash: string; width: number; height: number },
): CardImage {
  return {
    url: imageUrl(job, which, ref.hash),
    width: ref.width,
    height: ref.height,
    alt: `Edited photo: “${job.prompt}” (${job.kind}, seed ${job.params.seed})`,
  };
}

/** Images are served per job, so the server can check the asker may see that job. */
export function imageUrl(
  job: Pick<JobRecord, 'id' | 'owner' | 'sourceHash'>,
  which: 'result' | 'source',
  hash = job.sourceHash,
): string {
  // The hash makes the URL change when the content does, so the browser may cache it for good.
  return `/api/jobs/${encodeURIComponent(job.id)}/${which}?v=${hash.slice(0, 16)}`;
}

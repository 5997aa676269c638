/**
 * A JobEvent as a plain-language reply with the right buttons. Adapters may use this as is, or
 * phrase events their own way from the event's fields.
 */
import type { JobEvent } from '../jobs/types.ts';
import type { ActionCodec } from './action-id.ts';
import { pendingButtons, resultButtons } from './buttons.ts';
import { formatEta, formatQueuePlace, scaledNote } from './format.ts';
import { promptWordsNote } from './prompt-words.ts';
import type { Reply } from './types.ts';

export function renderJobEvent(event: JobEvent, codec: ActionCodec): Reply {
  const about = { ephemeral: false, jobId: event.jobId };
  switch (event.type) {
    case 'queued': {
      const prefix = event.paused
        ? 'The queue is paused (a restart or maintenance); your edit keeps its place and runs when it resumes. '
        : event.resumed
          ? 'The bot restarted; your edit is back in the queue. '
          : '';
      return {
        ...about,
        text: prefix + formatQueuePlace(event.position, event.etaMs),
        buttons: pendingButtons(codec, event.jobId),
      };
    }
    case 'started':
      return {
        ...about,
        text: `Editing… (done in ${formatEta(event.etaMs)})`,
        buttons: pendingButtons(codec, event.jobId),
      };
    case 'progress':
      return {
        ...about,
        text: `Editing… ${Math.round(event.fraction * 100)}%`,
        buttons: pendingButtons(codec, event.jobId),
      };
    case 'done': {
      const notes = [event.images[0] ? scaledNote(event.images[0]) : null, promptWordsNote(event.params)].filter(
        Boolean,
      );
      const text = `Done (seed ${event.params.seed}).${notes.map((n) => `\n${n}`).join('')}`;
      return {
        ...about,
        text,
        images: event.images,
        buttons: resultButtons(codec, event.jobId, event.images[0]?.cells?.length ?? 0),
      };
    }
    case 'failed':
      return { ...about, text: event.userMessage, code: event.code };
    case 'cancelled':
      return { ...about, text: event.byOwner ? 'Cancelled.' : 'Cancelled by an admin.' };
  }
}

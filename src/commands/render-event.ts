/**
 * A JobEvent as a plain-language reply with the right buttons. Adapters may use this as is, or
 * phrase events their own way from the event's fields.
 */
import type { JobEvent } from '../jobs/types.ts';
import type { ActionCodec } from './action-id.ts';
import { pendingButtons, resultButtons } from './buttons.ts';
import { formatEta, formatQueuePlace } from './format.ts';
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
      return { ...about, text: prefix + formatQueuePlace(event.position, event.etaMs), buttons: pendingButtons(codec, event.jobId) };
    }
    case 'started':
      return { ...about, text: `Editing… (done in ${formatEta(event.etaMs)})`, buttons: pendingButtons(codec, event.jobId) };
    case 'progress':
      return { ...about, text: `Editing… ${Math.round(event.fraction * 100)}%`, buttons: pendingButtons(codec, event.jobId) };
    case 'done': {
      const note = promptWordsNote(event.params);
      return { ...about, text: `Done (seed ${event.params.seed}).${note ? `\n${note}` : ''}`, images: event.images, buttons: resultButtons(codec, event.jobId) };
    }
    case 'failed':
      return { ...about, text: event.userMessage, code: event.code };
    case 'cancelled':
      return { ...about, text: event.byOwner ? 'Cancelled.' : 'Cancelled by an admin.' };
  }
}

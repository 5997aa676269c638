/**
 * Job events and replies as Discord messages: text with live timestamps (`<t:…:R>` counts down in the
 * client), buttons in rows of five, the small progress preview. No decisions here; the core decides
 * which buttons a job gets and this only draws them.
 */
import { ActionRowBuilder, AttachmentBuilder, ButtonBuilder, ButtonStyle } from 'discord.js';
import sharp from 'sharp';
import {
  actionButton,
  type ActionCodec,
  type JobEvent,
  type JobRecord,
  promptWordsNote,
  type ReplyButton,
  scaledNote,
} from '../../commands/index.ts';

const STYLE = {
  primary: ButtonStyle.Primary,
  secondary: ButtonStyle.Secondary,
  success: ButtonStyle.Success,
  danger: ButtonStyle.Danger,
} as const;
const BUTTONS_PER_ROW = 5;

/** Result buttons in the order the issue lists them: build on it first, look at it, then remove it. */
export function resultButtonsWithCompare(
  buttons: readonly ReplyButton[],
  codec: ActionCodec,
  jobId: string,
): ReplyButton[] {
  const removing = buttons.filter((b) => codec.decode(b.actionId)?.action === 'delete');
  const others = buttons.filter((b) => !removing.includes(b));
  return [...others, actionButton(codec, 'compare', jobId), ...removing];
}

export function buttonRows(buttons: readonly ReplyButton[]): ActionRowBuilder<ButtonBuilder>[] {
  const rows: ActionRowBuilder<ButtonBuilder>[] = [];
  buttons.forEach((button, i) => {
    if (i % BUTTONS_PER_ROW === 0) rows.push(new ActionRowBuilder<ButtonBuilder>());
    // The core's labels and emoji, the same on every platform (and in the README).
    const built = new ButtonBuilder().setCustomId(button.actionId).setLabel(button.label).setStyle(STYLE[button.style]);
    if (button.emoji) built.setEmoji(button.emoji);
    rows[rows.length - 1]!.addComponents(built);
  });
  return rows;
}

/** `<t:…:R>`: Discord shows it as "in 2 minutes" in the reader's locale and keeps it current. */
export function relativeTime(atMs: number): string {
  return `<t:${Math.round(atMs / 1000)}:R>`;
}

export function quotePrompt(prompt: string, maxChars = 80): string {
  const short = prompt.length > maxChars ? `${prompt.slice(0, maxChars - 1)}…` : prompt;
  // Backticks would break out of the inline code span.
  return `“${short.replace(/`/g, "'")}”`;
}

/** The status message's text for a job that has not finished. */
export function statusText(
  event: Extract<JobEvent, { type: 'queued' | 'started' | 'progress' }>,
  prompt: string,
  nowMs: number,
): string {
  const about = quotePrompt(prompt);
  switch (event.type) {
    case 'queued': {
      const restarted = event.paused
        ? '⏸ The queue is paused (a restart or maintenance); your edit keeps its place. '
        : event.resumed
          ? 'The bot restarted; your edit is back in line. '
          : '';
      const place = event.position <= 1 ? 'next in line' : `number ${event.position} in line`;
      return `${restarted}⏳ ${about}: ${place}, starts ${relativeTime(nowMs + event.etaMs)}.`;
    }
    case 'started':
      return `🎨 Editing ${about}… done ${relativeTime(nowMs + event.etaMs)}.`;
    case 'progress': {
      const percent = Math.round(event.fraction * 100);
      return `🎨 Editing ${about}… ${progressBar(event.fraction)} ${percent}% (${event.phase})`;
    }
  }
}

function progressBar(fraction: number, cells = 12): string {
  const filled = Math.max(0, Math.min(cells, Math.round(fraction * cells)));
  return `\`${'█'.repeat(filled)}${'░'.repeat(cells - filled)}\``;
}

/** The result message: who asked, what, and what it takes to repeat it. */
export function resultText(job: JobRecord, event: Extract<JobEvent, { type: 'done' }>): string {
  const strength = event.params.strength === null ? 'hand-set parameters' : `strength ${event.params.strength}`;
  const kind = job.kind === 'edit' ? '' : ` (${job.kind})`;
  const notes = [event.images[0] ? scaledNote(event.images[0]) : null, promptWordsNote(event.params)].filter(Boolean);
  return `<@${job.owner.id}> ${quotePrompt(job.prompt, 300)}${kind} · ${strength} · seed ${event.params.seed}${notes.map((n) => `\n${n}`).join('')}`;
}

/** The engine's preview, shrunk so every progress edit stays a small upload. */
export async function previewAttachment(preview: Uint8Array, maxSidePx: number): Promise<AttachmentBuilder> {
  const small = await sharp(preview)
    .resize({ width: maxSidePx, height: maxSidePx, fit: 'inside', withoutEnlargement: true })
    .png()
    .toBuffer();
  return new AttachmentBuilder(small, { name: 'preview.png', description: 'Preview of the edit in progress' });
}

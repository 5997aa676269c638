/** Plain-language pieces shared by replies and event messages. */
import type { ImageRef } from '../jobs/types.ts';

/** "about 40 s", "about 3 min", "about 1 h 10 min"; estimates are rounded so they do not look precise. */
export function formatEta(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 60) return `about ${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** "5 min ago", "3 h ago", "2 days ago". */
export function formatAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

/** "1.2 s", "3 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export function formatQueuePlace(position: number, etaMs: number): string {
  if (position === 0) return 'Your edit has started.';
  if (position === 1) return `Your edit is next in line (starts in ${formatEta(etaMs)}).`;
  return `Your edit is number ${position} in line (starts in ${formatEta(etaMs)}).`;
}

export function quote(prompt: string, maxChars = 80): string {
  return `“${clip(prompt, maxChars)}”`;
}

/** At most `maxChars` of what someone typed, for messages that repeat it (a refusal never echoes a 6,000-character prompt). */
export function clip(text: string, maxChars = 80): string {
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

/**
 * "Edited at 613×424; your photo is 3472×2400 and this model works on at most 0.26 MP." for a result
 * made from a smaller copy of the photo; null when it kept the photo's size.
 */
export function scaledNote(result: Pick<ImageRef, 'width' | 'height' | 'scaledFrom'>): string | null {
  const from = result.scaledFrom;
  if (!from) return null;
  const megapixels = from.pixelBudget / 1e6;
  const limit = megapixels < 1 ? megapixels.toFixed(2) : megapixels.toFixed(1);
  return `Edited at ${result.width}×${result.height}; your photo is ${from.width}×${from.height} and this model works on at most ${limit} MP.`;
}

/**
 * The page's scrollback: which user message started which job, in which thread. The web chat is its
 * own platform, so it keeps what Discord or Slack would keep for us (their message history). Job
 * state itself is never copied here: it is read from the job store when the page loads.
 * Kept as JSON lines under `<dataDir>/web-chat/`, or in memory when no dataDir is given.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TranscriptEntry {
  /** The user message's id; equals `threadId` for a message that opened a thread. */
  messageId: string;
  threadId: string;
  userId: string;
  /** What the user typed, or the button or reaction they used. */
  text: string;
  /** The job it started. */
  jobId: string;
  /** Epoch ms. */
  at: number;
}

export class Transcript {
  private readonly entries: TranscriptEntry[] = [];
  private readonly file: string | null;

  constructor(dataDir?: string) {
    this.file = dataDir === undefined ? null : join(dataDir, 'web-chat', 'transcript.jsonl');
    if (this.file) {
      mkdirSync(join(dataDir!, 'web-chat'), { recursive: true });
      this.entries.push(...readEntries(this.file));
    }
  }

  add(entry: TranscriptEntry): void {
    this.entries.push(entry);
    // Synchronous append: one short line per command, and a crash right after a reply must not lose it.
    if (this.file) appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
  }

  /** The user's entries, oldest first, at most `limit` of the newest. */
  forUser(userId: string, limit: number): TranscriptEntry[] {
    return this.entries.filter((entry) => entry.userId === userId).slice(-limit);
  }
}

function readEntries(file: string): TranscriptEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: TranscriptEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as TranscriptEntry);
    } catch {
      // A line cut short by a crash mid-write: skip it, keep the rest.
    }
  }
  return entries;
}

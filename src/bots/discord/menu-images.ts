/**
 * The photo an "Edit image" form is about, kept from the menu's interaction until the form comes back.
 * Without the privileged Message Content intent a message fetched later has no attachments (discord-api-docs,
 * "Message Content Intent"); only the menu's own `resolved.messages` carries them. Bounded in time and number.
 */
import type { Attachment } from 'discord.js';

export type MenuImage = Pick<Attachment, 'url' | 'name' | 'size' | 'contentType'>;

const KEEP_MS = 15 * 60_000; // a form left open longer is answered with "use Edit image again"
const MAX_KEPT = 1_000;

export class MenuImages {
  private readonly kept = new Map<string, { image: MenuImage; atMs: number }>();

  constructor(private readonly now: () => number) {}

  keep(menuInteractionId: string, image: MenuImage): void {
    this.dropOld();
    if (this.kept.size >= MAX_KEPT) this.kept.delete(this.kept.keys().next().value!);
    const { url, name, size, contentType } = image;
    this.kept.set(menuInteractionId, { image: { url, name, size, contentType }, atMs: this.now() });
  }

  /** The photo, once: a form is submitted once. */
  take(menuInteractionId: string): MenuImage | undefined {
    this.dropOld();
    const entry = this.kept.get(menuInteractionId);
    this.kept.delete(menuInteractionId);
    return entry?.image;
  }

  private dropOld(): void {
    const cutoff = this.now() - KEEP_MS;
    for (const [id, entry] of this.kept) if (entry.atMs < cutoff) this.kept.delete(id);
  }
}

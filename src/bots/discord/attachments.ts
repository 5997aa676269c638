/**
 * Getting an attached photo safely: only from Discord's CDN (a URL is not trusted just because it came in a
 * payload), refused before download when Discord already says it is not an image or too large, and fetched
 * with a size and time limit.
 */
import type { Attachment, Message } from 'discord.js';
import { UserInputError } from '../../errors.ts';
import type { ImageInput } from '../../commands/index.ts';
import { checkDeclaredImage, looksLikeImage } from '../../engine/image-types.ts';
import { assertWithinLimit, downloadLimited } from '../shared/limited-download.ts';
import { DISCORD_CDN_HOSTS } from './options.ts';

export interface AttachmentRules {
  readonly maxDownloadBytes: number;
  readonly downloadTimeoutMs: number;
  readonly extraDownloadHosts: readonly string[];
}

/**
 * Throws the user-facing refusal for an attachment that is not an image we take, is too large or is not on
 * Discord's CDN, from its metadata alone: before any download, so before deferring.
 */
export function checkAttachment(
  attachment: Pick<Attachment, 'url' | 'name' | 'size' | 'contentType'>,
  rules: AttachmentRules,
): void {
  checkDeclaredImage(attachment);
  assertWithinLimit(attachment.size, rules.maxDownloadBytes);
  if (!isAllowedDownloadUrl(new URL(attachment.url), rules.extraDownloadHosts)) {
    throw new UserInputError(
      'image_source',
      'I only download attachments from Discord itself. Please upload the photo to Discord.',
    );
  }
}

/** The first image attached to a message (for the "Edit image" menu), or null. */
export function firstImageOf(message: Message): Attachment | null {
  return message.attachments.find((a) => looksLikeImage(a)) ?? null;
}

export function isAllowedDownloadUrl(url: URL, extraHosts: readonly string[]): boolean {
  if (url.protocol === 'https:' && DISCORD_CDN_HOSTS.includes(url.hostname)) return true;
  return (url.protocol === 'http:' || url.protocol === 'https:') && extraHosts.includes(url.hostname);
}

export async function downloadAttachment(
  attachment: Pick<Attachment, 'url' | 'name' | 'size' | 'contentType'>,
  rules: AttachmentRules,
): Promise<ImageInput> {
  checkAttachment(attachment, rules);
  const bytes = await downloadLimited(new URL(attachment.url), {
    maxBytes: rules.maxDownloadBytes,
    timeoutMs: rules.downloadTimeoutMs,
  });
  return {
    bytes,
    filename: attachment.name,
    ...(attachment.contentType ? { contentType: attachment.contentType } : {}),
  };
}

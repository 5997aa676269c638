/**
 * Downloads a user's photo from Slack. The bot token goes only to Slack's file hosts (a file object
 * is user-supplied data and its URL could point anywhere), size and time are limited by the shared
 * downloader, and the bytes must be an image: with a wrong token or without the files:read scope
 * Slack answers 200 with an HTML sign-in page.
 */
import type { ImageInput } from '../../commands/index.ts';
import { UserInputError } from '../../errors.ts';
import { checkDeclaredFormat, looksLikeImage, requireAcceptedImage, sniffImageMime } from '../../engine/image-types.ts';
import { assertWithinLimit, downloadLimited } from '../shared/limited-download.ts';

/** The fields of a Slack file object this needs. */
export interface SlackFileRef {
  readonly id?: string;
  readonly name?: string;
  readonly mimetype?: string;
  readonly size?: number;
  readonly url_private?: string;
  readonly url_private_download?: string;
}

export interface DownloadPolicy {
  readonly botToken: string;
  /** Origins, e.g. https://files.slack.com. */
  readonly fileHostsAllowed: readonly string[];
  readonly maxDownloadBytes: number;
  readonly downloadTimeoutMs: number;
}

export async function downloadSlackImage(file: SlackFileRef, policy: DownloadPolicy): Promise<ImageInput> {
  const url = parseUrl(file.url_private_download ?? file.url_private);
  if (!url)
    throw new UserInputError(
      'image_missing',
      'Slack did not tell me where that file is. Please upload the photo again.',
    );
  if (!policy.fileHostsAllowed.includes(url.origin)) {
    throw new UserInputError(
      'slack_file_host',
      'That file is not stored on Slack, so I will not download it. Please upload the photo to Slack directly.',
      {
        details: { origin: url.origin },
      },
    );
  }
  checkDeclaredFormat({ contentType: file.mimetype, name: file.name });
  if (file.size !== undefined) assertWithinLimit(file.size, policy.maxDownloadBytes);
  const bytes = await downloadLimited(
    url,
    { maxBytes: policy.maxDownloadBytes, timeoutMs: policy.downloadTimeoutMs },
    { authorization: `Bearer ${policy.botToken}` },
  );
  if (sniffImageMime(bytes) === null && /^\s*<(!doctype|html)/i.test(new TextDecoder().decode(bytes.subarray(0, 64)))) {
    throw new UserInputError(
      'slack_file_login_page',
      'Slack sent me a sign-in page instead of your photo, so I cannot read it. The bot probably lacks the files:read permission; please tell a workspace admin.',
    );
  }
  requireAcceptedImage(bytes, file.name); // the policy's answer for an empty file, a named format, or not an image
  return {
    bytes,
    ...(file.name ? { filename: file.name } : {}),
    ...(file.mimetype ? { contentType: file.mimetype } : {}),
  };
}

function parseUrl(text: string | undefined): URL | null {
  if (!text) return null;
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** Files in a message or event that look like images (the bytes are checked after download). */
export function imageFiles(files: readonly (SlackFileRef & { mimetype?: string })[] | undefined): SlackFileRef[] {
  return (files ?? []).filter((f) => looksLikeImage({ contentType: f.mimetype, name: f.name }));
}

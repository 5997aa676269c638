/**
 * Who is using the page: the identity the server issued in a signed cookie (session.ts) is the user id,
 * so `web:<id>`; the name typed at the top of the page is a display name only. Jobs are private to their
 * owner (src/commands/job-access.ts).
 */
import type { CommandContext, Place, UserRef } from '../../commands/index.ts';
import { UserInputError } from '../../errors.ts';

const DISPLAY_NAME = /^[A-Za-z0-9_.-]{1,32}$/;
/** The one channel of the page; each user sees only their own jobs in it. */
export const WEB_CHANNEL_ID = 'web-chat';
/** The name the user typed at the top of the page: shown in messages, never used to decide anything. */
export const NAME_HEADER = 'x-rfedit-name';

/** `id` is the identity the server issued (session.ts); `name` is only a display name, and may be absent. */
export function webUser(id: string, name: string | undefined): UserRef {
  const trimmed = name?.trim();
  if (trimmed === undefined || trimmed === '') return { platform: 'web', id };
  if (!DISPLAY_NAME.test(trimmed)) {
    throw new UserInputError(
      'user_name_invalid',
      'Pick a name of 1 to 32 letters, digits, dots, dashes or underscores (top of the page).',
    );
  }
  return { platform: 'web', id, name: trimmed };
}

/** A thread is the user's message that started it; its id is also the message id. */
export function webPlace(threadId: string): Place {
  return { platform: 'web', channelId: WEB_CHANNEL_ID, threadId, messageId: threadId };
}

export function webContext(user: UserRef, threadId: string): CommandContext {
  // Nobody is an admin through the page; operators name admins in the bot's config (`admins`).
  return { user, place: webPlace(threadId), isAdmin: false };
}

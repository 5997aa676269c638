/**
 * Who is using the page. The web chat has no accounts: each browser keeps a name in localStorage and
 * sends it with every request, so the user is `web:<name>`. It is meant for one machine (127.0.0.1),
 * where a name is enough; jobs without a server are private to their owner (src/commands/job-access.ts).
 */
import type { CommandContext, Place, UserRef } from '../../commands/index.ts';
import { UserInputError } from '../../errors.ts';

const USER_NAME = /^[A-Za-z0-9_.-]{1,32}$/;
/** The one channel of the page; each user sees only their own jobs in it. */
export const WEB_CHANNEL_ID = 'web-chat';
export const USER_HEADER = 'x-rfedit-user';

export function webUser(name: string | undefined | null): UserRef {
  const trimmed = (name ?? '').trim();
  if (!USER_NAME.test(trimmed)) {
    throw new UserInputError('user_name_invalid', 'Pick a name of 1 to 32 letters, digits, dots, dashes or underscores (top of the page).');
  }
  return { platform: 'web', id: trimmed, name: trimmed };
}

/** A thread is the user's message that started it; its id is also the message id. */
export function webPlace(threadId: string): Place {
  return { platform: 'web', channelId: WEB_CHANNEL_ID, threadId, messageId: threadId };
}

export function webContext(user: UserRef, threadId: string): CommandContext {
  // Nobody is an admin through the page; operators name admins in the bot's config (`admins`).
  return { user, place: webPlace(threadId), isAdmin: false };
}

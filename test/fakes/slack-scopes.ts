/**
 * Which OAuth scope each Web API method needs from a bot token, as each method's page on docs.slack.dev
 * ("Scopes → Bot token") lists it. The fake refuses a call whose scope the token was not granted with
 * `missing_scope` (docs.slack.dev/reference/methods/chat.postMessage, Errors: "missing_scope: The token used is not
 * granted the specific scope permissions required to complete this request"), and the manifest test checks
 * that slack-manifest.yaml grants every scope the bot's calls need.
 */

/** The kind of conversation a channel id names; the conversations.* methods need a scope per kind. */
export type ConversationKind = 'public' | 'private' | 'im' | 'mpim';

export interface MethodScope {
  /** The bot scope the method needs; a function of the conversation kind for the conversations.* family. */
  readonly scope: string | null | ((kind: ConversationKind) => string);
  /** The method's documentation page. */
  readonly doc: string;
}

const doc = (method: string) => `https://docs.slack.dev/reference/methods/${method}`;
const HISTORY: Record<ConversationKind, string> = {
  public: 'channels:history',
  private: 'groups:history',
  im: 'im:history',
  mpim: 'mpim:history',
};
const READ: Record<ConversationKind, string> = {
  public: 'channels:read',
  private: 'groups:read',
  im: 'im:read',
  mpim: 'mpim:read',
};

export const SLACK_METHOD_SCOPES: Readonly<Record<string, MethodScope>> = {
  'auth.test': { scope: null, doc: doc('auth.test') },
  'apps.connections.open': { scope: 'connections:write', doc: doc('apps.connections.open') },
  'chat.postMessage': { scope: 'chat:write', doc: doc('chat.postMessage') },
  'chat.update': { scope: 'chat:write', doc: doc('chat.update') },
  'chat.delete': { scope: 'chat:write', doc: doc('chat.delete') },
  'chat.postEphemeral': { scope: 'chat:write', doc: doc('chat.postEphemeral') },
  'chat.getPermalink': { scope: null, doc: doc('chat.getPermalink') },
  'views.open': { scope: null, doc: doc('views.open') },
  'views.push': { scope: null, doc: doc('views.push') },
  'views.update': { scope: null, doc: doc('views.update') },
  'files.getUploadURLExternal': { scope: 'files:write', doc: doc('files.getUploadURLExternal') },
  'files.completeUploadExternal': { scope: 'files:write', doc: doc('files.completeUploadExternal') },
  'files.delete': { scope: 'files:write', doc: doc('files.delete') },
  'files.info': { scope: 'files:read', doc: doc('files.info') },
  'conversations.info': { scope: (kind) => READ[kind], doc: doc('conversations.info') },
  'conversations.history': { scope: (kind) => HISTORY[kind], doc: doc('conversations.history') },
  'conversations.replies': { scope: (kind) => HISTORY[kind], doc: doc('conversations.replies') },
  'conversations.open': { scope: 'im:write', doc: doc('conversations.open') },
  'conversations.join': { scope: 'channels:join', doc: doc('conversations.join') },
  'reactions.add': { scope: 'reactions:write', doc: doc('reactions.add') },
  'reactions.remove': { scope: 'reactions:write', doc: doc('reactions.remove') },
  'users.info': { scope: 'users:read', doc: doc('users.info') },
};

/**
 * Posting to a public channel the bot has not joined needs chat:write.public on top of chat:write
 * (docs.slack.dev/reference/scopes/chat.write.public).
 */
export const CHAT_WRITE_PUBLIC = 'chat:write.public';

/** Scopes for what Slack sends rather than what the bot calls: events and slash commands. */
export const EVENT_AND_COMMAND_SCOPES = ['app_mentions:read', 'reactions:read', 'commands'] as const;

/**
 * Every scope the table names, plus chat:write.public and the event and command scopes: what a token gets when a
 * test does not say.
 */
export const ALL_FAKE_SCOPES: readonly string[] = [
  ...new Set([
    ...Object.values(SLACK_METHOD_SCOPES).flatMap(({ scope }) =>
      scope === null
        ? []
        : typeof scope === 'string'
          ? [scope]
          : (['public', 'private', 'im', 'mpim'] as const).map(scope),
    ),
    CHAT_WRITE_PUBLIC,
    ...EVENT_AND_COMMAND_SCOPES,
  ]),
].filter((s) => s !== 'connections:write'); // an app-level token's scope, never a bot token's

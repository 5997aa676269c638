/**
 * The Slack adapter (see docs/slack.md for setting up the Slack app from slack-manifest.yaml).
 *
 * ```ts
 * const slack = createSlackBot({ core, botToken, appToken, mode: 'socket', allowedWorkspaces: [], allowedChannels: [], allowedUsers: [] });
 * await slack.start();   // before core.start(), so resumed jobs reach their threads
 * await core.start();
 * …
 * await slack.stop();
 * ```
 * Entry points: `/edit` (modal with a file input), the message shortcut "Edit this image"
 * (callback `rfedit_edit_image`), and mentions with a photo. Job messages go in the request's thread.
 */
export { createSlackBot, SLACK_EVENTS_PATH } from './slack-bot.ts';
export type { SlackBot } from './slack-bot.ts';
export { SLACK_BOT_DEFAULTS } from './options.ts';
export type { SlackBotLogger, SlackBotOptions } from './options.ts';
export { CALLBACK as SLACK_CALLBACK_IDS } from './modals.ts';
export { EDIT_COMMAND as SLACK_EDIT_COMMAND } from './listeners/edit-command.ts';
export { REACTIONS as SLACK_REACTIONS } from './listeners/reactions.ts';

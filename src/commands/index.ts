/**
 * rfedit's platform-neutral commands and the façade the Discord, Slack and web adapters build on.
 *
 * ```ts
 * const core = assembleCore({ engine, dataDir: './data', secret: process.env.RFEDIT_SECRET });  // src/app.ts builds the parts
 * await core.queue.connect();                                              // Redis: open the connections
 * core.events.onEvent((event) => render(core.render(event), event.place));  // subscribe first,
 * await core.start();                                                       // then resume + run
 *
 * // a slash command / modal / form:
 * const reply = await core.dispatch({ kind: 'edit', image: { bytes }, prompt, options: { strength: 0.6 } }, ctx);
 * // a button press (reply.buttons[i].actionId came back from the platform):
 * const reply = await core.handleAction(customId, ctx);
 * // a reaction on a job's message (🔁 → 'repeat', ❌ → 'remove'; the adapter maps its emoji names):
 * const reply = await core.react(jobId, 'repeat' | 'remove', ctx);
 * // after posting: remember where, so a restarted bot edits the same message and does not resend
 * core.recordMessage(jobId, { role: 'status' | 'result', platform, channelId, threadId, messageId });
 * await core.close();
 * ```
 *
 * - `ctx: CommandContext` = { user: {platform, id, name?}, place: {platform, guildId?, channelId, threadId?, messageId?}, isAdmin }.
 * - `dispatch` and `handleAction` never throw for user mistakes: the reply has `code` and an ephemeral `text`.
 * - A `Reply` is { text, ephemeral, buttons?: {label, emoji, actionId, style}[], jobId?, images?, code?,
 *   deleteMessages? (delete these bot messages), comparison? ({before, after} image refs, from `compare`), requestInput? (open a remix form, then dispatch `remix`) }.
 * - For edit-like commands the reply is the queue notice; the same `queued` event also reaches listeners.
 * - Events (`JobEvent`): queued{position, etaMs, resumed} · started{attempt, etaMs} · progress{step, total, fraction,
 *   phase, preview?} (throttled, 2.5 s by default) · done{images, params} · failed{code, userMessage} · cancelled{byOwner}.
 *   Every event carries jobId, owner and place; final events carry `redelivery` (true when re-sent after a restart).
 * - Images in events are refs ({hash, mime, width, height, sizeBytes}); read the bytes with `core.readImage(ref)`.
 * - Action ids: `encodeActionId({action, jobId, arg?}, secret)` / `decodeActionId(id, secret)` → Action | null
 *   (versioned `rf1.…`, HMAC-signed, ≤ 100 chars). Cancel and delete are for the owner and admins only.
 * - Typed text (Slack's /edit and mentions, the web page): `parseTypedArgs(kind, text)` / `parseEditText(text)`
 *   read `[job id] [prompt] --flag value …` with one set of rules (em dash = `--`, comma decimals, flags last).
 * - `core.cleanup()` applies retention (finished jobs and unreferenced images older than `retentionMs`).
 * See docs/jobs.md for persistence and restart behaviour.
 */
export { createBotCore, BOT_CORE_DEFAULTS } from './bot-core.ts';
export type { BotCore, BotCoreOptions } from './bot-core.ts';
export { COMMANDS, commandRegistry, type CommandRegistry } from './registry.ts';
export { ACTION_ID_MAX_LENGTH, ACTION_NAMES, createActionCodec, decodeActionId, encodeActionId } from './action-id.ts';
export type { Action, ActionCodec, ActionName } from './action-id.ts';
export { parseEditText, parseTypedArgs } from './parse-flags.ts';
export { SKETCH_PRESET, sketchHelp } from './help.ts';
export type { TypedFields } from './parse-flags.ts';
export { REACTION_NAMES } from './react.ts';
export type { Reaction } from './react.ts';
export { actionLabel, button as actionButton } from './buttons.ts';
export { renderJobEvent } from './render-event.ts';
export { scaledNote } from './format.ts';
export { jobNotFound } from './job-access.ts';
export { COMMAND_LIMIT_DEFAULTS, commandLimitsFromConfig } from './types.ts';
export { promptWordsNote } from './prompt-words.ts';
export type {
  ButtonStyle,
  Command,
  CommandContext,
  CommandDeps,
  CommandKind,
  CommandLimits,
  CommandModule,
  CommandOf,
  CommandOption,
  EditOptions,
  ImageInput,
  Reply,
  ReplyButton,
} from './types.ts';
export type {
  ImageRef,
  JobEvent,
  JobEventListener,
  JobRecord,
  MessageRef,
  MessageRole,
  Place,
  Platform,
  UserRef,
} from '../jobs/types.ts';

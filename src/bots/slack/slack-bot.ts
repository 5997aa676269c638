/**
 * The Slack bot: a Bolt app (Socket Mode or HTTP, by config) whose listeners translate Slack
 * requests into the core's commands, and a job-event subscription that keeps each job's thread up
 * to date. All business logic lives in src/commands.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, type Logger, type Receiver } from '@slack/bolt';
import { ChatPacer } from '../../jobs/chat-pacer.ts';
import type { SlackAdapter } from './adapter.ts';
import { JobThreads } from './job-thread.ts';
import { registerButtons } from './listeners/buttons.ts';
import { registerEditCommand } from './listeners/edit-command.ts';
import { registerEditShortcut } from './listeners/edit-shortcut.ts';
import { registerMention } from './listeners/mention.ts';
import { registerReactions } from './listeners/reactions.ts';
import { SlackMessenger } from './messenger.ts';
import {
  resolveSlackBotOptions,
  type ResolvedSlackBotOptions,
  type SlackBotLogger,
  type SlackBotOptions,
} from './options.ts';

export interface SlackBot {
  /** Connects (Socket Mode) or starts listening (HTTP). Job events are shown from creation on. */
  start(): Promise<void>;
  /** Finishes showing the events received so far, then disconnects. */
  stop(): Promise<void>;
  /** HTTP mode, once started: the Request URL to give Slack (…/slack/events). */
  requestUrl(): string | undefined;
  /** Resolves once every job event received so far is shown in Slack. */
  idle(): Promise<void>;
}

export const SLACK_EVENTS_PATH = '/slack/events';

export function createSlackBot(input: SlackBotOptions): SlackBot {
  const options = resolveSlackBotOptions(input);
  const logger = options.logger;
  const boltLogger = toBoltLogger(logger);
  const clientOptions = {
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
    ...(options.retryConfig ? { retryConfig: options.retryConfig } : {}),
  };
  const receiver = createReceiver(options, boltLogger, clientOptions);
  const app = new App({ token: options.botToken, receiver, logger: boltLogger, clientOptions });
  app.error(async (error) => logger.error({ err: error }, 'Slack listener failed'));

  const messenger = new SlackMessenger(app.client, new ChatPacer(options.pacing), logger, options.shareWaitsMs);
  const adapter: SlackAdapter = { core: options.core, options, messenger, client: app.client };
  registerEditCommand(app, adapter);
  registerEditShortcut(app, adapter);
  registerMention(app, adapter);
  registerButtons(app, adapter);
  registerReactions(app, adapter);

  const threads = new JobThreads(options.core, messenger, options.previewIntervalMs, logger);
  // Subscribed now, not in start(): the core may resume jobs as soon as it starts, and their events must not be missed.
  let unsubscribe: (() => void) | undefined = options.core.events.onEvent((event) => threads.handle(event));
  let server: Server | undefined;
  let started = false;

  return {
    async start() {
      if (started) return;
      started = true;
      if (options.mode === 'http') {
        server = (await app.start(options.port)) as Server;
        logger.info({ url: requestUrlOf(server) }, 'Slack bot listening (HTTP mode)');
      } else {
        await app.start();
        logger.info({}, 'Slack bot connected (Socket Mode)');
      }
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      await threads.idle();
      // Bolt's receivers refuse to stop when they never started.
      if (started) await app.stop();
      started = false;
      server = undefined;
    },
    requestUrl: () => (server ? requestUrlOf(server) : undefined),
    idle: () => threads.idle(),
  };
}

function createReceiver(options: ResolvedSlackBotOptions, logger: Logger, clientOptions: object): Receiver {
  if (options.mode === 'http') {
    // Bolt checks the signature and rejects timestamps older than 5 minutes.
    return new HTTPReceiver({ signingSecret: options.signingSecret!, endpoints: SLACK_EVENTS_PATH, logger });
  }
  return new SocketModeReceiver({ appToken: options.appToken!, logger, installerOptions: { clientOptions } });
}

function requestUrlOf(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}${SLACK_EVENTS_PATH}`;
}

/** Bolt logs with string arguments; this forwards them to the structured logger. */
function toBoltLogger(logger: SlackBotLogger): Logger {
  let level = LogLevel.INFO;
  const forward =
    (method: keyof SlackBotLogger) =>
    (...messages: unknown[]) =>
      logger[method]({ source: 'bolt' }, messages.map(String).join(' '));
  return {
    debug: forward('debug'),
    info: forward('info'),
    warn: forward('warn'),
    error: forward('error'),
    setLevel: (next) => void (level = next),
    getLevel: () => level,
    setName: () => {},
  };
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SLACK_CALLBACK_IDS, SLACK_EDIT_COMMAND } from '../../../src/bots/slack/index.ts';
import { readSlackManifest } from '../../../src/bots/slack/manifest.ts';
import { SLACK_METHOD_SCOPES, type ConversationKind } from '../../fakes/slack-scopes.ts';

interface Manifest {
  features: {
    slash_commands: Array<{ command: string }>;
    shortcuts: Array<{ type: string; callback_id: string }>;
    app_home?: { messages_tab_enabled?: boolean };
  };
  settings: { interactivity: { is_enabled: boolean } };
}

const manifest = parse(readFileSync(new URL('../../../slack-manifest.yaml', import.meta.url), 'utf8')) as Manifest;
const { botScopes, botEvents } = readSlackManifest();
const SLACK_SOURCES = fileURLToPath(new URL('../../../src/bots/slack/', import.meta.url));

/** `client.<family>.<method>(` calls in the adapter's sources; web-api's filesUploadV2 is the two upload methods. */
function webApiMethodsCalled(): string[] {
  const sources = readdirSync(SLACK_SOURCES, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const methods = new Set<string>();
  for (const file of sources) {
    const text = readFileSync(join(SLACK_SOURCES, file), 'utf8');
    for (const [, family, method] of text.matchAll(/client\.(\w+)\.(\w+)\(/g)) methods.add(`${family}.${method}`);
    if (/client\.filesUploadV2\(/.test(text))
      ['files.getUploadURLExternal', 'files.completeUploadExternal'].forEach((m) => methods.add(m));
  }
  return [...methods].sort();
}

/**
 * The scope each event subscription needs (docs.slack.dev/reference/events/<event>, "Required scopes"):
 * message.channels → channels:history, message.groups → groups:history, message.im → im:history,
 * message.mpim → mpim:history, app_mention → app_mentions:read, reaction_added → reactions:read.
 */
const EVENT_SCOPES: Record<string, string> = {
  app_mention: 'app_mentions:read',
  reaction_added: 'reactions:read',
  'message.channels': 'channels:history',
  'message.groups': 'groups:history',
  'message.im': 'im:history',
  'message.mpim': 'mpim:history',
};

const KINDS: ConversationKind[] = ['public', 'private', 'im', 'mpim'];

describe('slack-manifest.yaml', () => {
  it('declares the command and the message shortcut the adapter listens for', () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual([SLACK_EDIT_COMMAND]);
    expect(manifest.features.shortcuts).toEqual([
      expect.objectContaining({ type: 'message', callback_id: SLACK_CALLBACK_IDS.messageShortcut }),
    ]);
  });

  it('subscribes to the events the adapter handles (photos may arrive as message/file_share) and enables interactivity and DMs', () => {
    expect([...botEvents].sort()).toEqual([
      'app_mention',
      'message.channels',
      'message.groups',
      'message.im',
      'message.mpim',
      'reaction_added',
    ]);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.features.app_home?.messages_tab_enabled).toBe(true);
  });

  it('grants the scope of every Web API method the adapter calls, in every kind of conversation', () => {
    const called = webApiMethodsCalled();
    expect(called).toEqual(
      expect.arrayContaining([
        'chat.postMessage',
        'conversations.replies',
        'files.completeUploadExternal',
        'files.info',
      ]),
    );
    const missing: string[] = [];
    for (const method of called) {
      const rule = SLACK_METHOD_SCOPES[method];
      if (!rule) {
        missing.push(`${method}: not in test/fakes/slack-scopes.ts (add it with the scope its docs page names)`);
        continue;
      }
      const needed = rule.scope === null ? [] : typeof rule.scope === 'string' ? [rule.scope] : KINDS.map(rule.scope);
      for (const scope of needed)
        if (!botScopes.includes(scope)) missing.push(`${method} needs ${scope} (${rule.doc})`);
    }
    expect(missing).toEqual([]);
  });

  it('grants the scope of every event it subscribes to, and the slash command and shortcut scope', () => {
    expect(
      botEvents
        .map((event) => EVENT_SCOPES[event] ?? `${event}: unknown`)
        .filter((scope) => !botScopes.includes(scope)),
    ).toEqual([]);
    expect(botScopes).toContain('commands');
  });

  it('asks for no scope that neither a call, an event, posting in public channels nor the command needs', () => {
    const used = new Set([
      ...webApiMethodsCalled().flatMap((method) => {
        const scope = SLACK_METHOD_SCOPES[method]?.scope;
        return scope === null || scope === undefined ? [] : typeof scope === 'string' ? [scope] : KINDS.map(scope);
      }),
      ...botEvents.map((event) => EVENT_SCOPES[event]),
      'commands',
      'chat:write.public', // the /edit thread starter in public channels the bot has not joined
    ]);
    expect(botScopes.filter((scope) => !used.has(scope))).toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SLACK_CALLBACK_IDS, SLACK_EDIT_COMMAND } from '../../../src/bots/slack/index.ts';

interface Manifest {
  features: { slash_commands: Array<{ command: string }>; shortcuts: Array<{ type: string; callback_id: string }> };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] }; interactivity: { is_enabled: boolean } };
}

const manifest = parse(readFileSync(new URL('../../../slack-manifest.yaml', import.meta.url), 'utf8')) as Manifest;

describe('slack-manifest.yaml', () => {
  it('declares the command and the message shortcut the adapter listens for', () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual([SLACK_EDIT_COMMAND]);
    expect(manifest.features.shortcuts).toEqual([expect.objectContaining({ type: 'message', callback_id: SLACK_CALLBACK_IDS.messageShortcut })]);
  });

  it('subscribes to the events the adapter handles and enables interactivity for buttons and modals', () => {
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(['app_mention', 'reaction_added']);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });

  it('asks for the scopes the adapter’s Web API calls need', () => {
    const needed = ['app_mentions:read', 'commands', 'chat:write', 'files:read', 'files:write', 'reactions:read', 'channels:history'];
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(needed));
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { readSlackManifest } from '../../src/bots/slack/manifest.ts';
import { doctorExitCode, renderSection } from '../../src/cli/doctor/check.ts';
import { slackSection } from '../../src/cli/doctor/slack.ts';
import { FakeSlack } from '../fakes/slack.ts';

const MANIFEST_SCOPES = readSlackManifest().botScopes;
let slack: FakeSlack | undefined;
afterEach(async () => slack?.close());

function envFor(fake: FakeSlack, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { SLACK_BOT_TOKEN: fake.botToken, SLACK_APP_TOKEN: fake.appToken, ...extra };
}

describe('rfedit doctor, Slack section', () => {
  it('says what to set when there is no token', async () => {
    const section = await slackSection({}, { mode: 'socket', allowedChannels: [] });
    expect(section.skipped).toMatch(/SLACK_BOT_TOKEN \(xoxb-/);
    expect(renderSection(section)[0]).toMatch(/^Slack: skipped — set SLACK_BOT_TOKEN/);
  });

  it('passes with the manifest’s scopes, a working Socket Mode token and the bot in the configured channel', async () => {
    slack = await FakeSlack.start({ scopes: MANIFEST_SCOPES });
    const section = await slackSection(envFor(slack), {
      apiUrl: slack.apiUrl,
      mode: 'socket',
      allowedChannels: [slack.channel.id],
    });

    expect(section.checks.map((c) => [c.ok, c.label])).toEqual([
      [true, 'Slack accepts the bot token (bot @rfedit in Fake Team)'],
      [true, `The token has every scope slack-manifest.yaml asks for (${MANIFEST_SCOPES.length})`],
      [true, 'Socket Mode: the app-level token opens a connection (apps.connections.open)'],
      [true, `The bot is a member of <#${slack.channel.id}>`],
    ]);
    expect(doctorExitCode([section])).toBe(0);
  });

  it('names the scopes a token lacks and how to add them', async () => {
    slack = await FakeSlack.start({
      scopes: MANIFEST_SCOPES.filter((s) => s !== 'im:history' && s !== 'mpim:history'),
    });
    const section = await slackSection(envFor(slack), { apiUrl: slack.apiUrl, mode: 'socket', allowedChannels: [] });

    const scopes = section.checks[1]!;
    expect(scopes).toMatchObject({ ok: false, label: expect.stringContaining('im:history, mpim:history') });
    expect(scopes.fix).toMatch(/OAuth & Permissions → Bot Token Scopes.*reinstall/);
    expect(doctorExitCode([section])).toBe(1);
  });

  it('refuses a token Slack does not know, and one that is not a bot token', async () => {
    slack = await FakeSlack.start({ scopes: MANIFEST_SCOPES });
    const unknown = await slackSection(envFor(slack, { SLACK_BOT_TOKEN: 'xoxb-not-this-one' }), {
      apiUrl: slack.apiUrl,
      mode: 'socket',
      allowedChannels: [],
    });
    const userToken = await slackSection(envFor(slack, { SLACK_BOT_TOKEN: 'xoxp-a-user-token' }), {
      apiUrl: slack.apiUrl,
      mode: 'socket',
      allowedChannels: [],
    });

    expect(unknown.checks).toEqual([
      expect.objectContaining({ ok: false, fix: expect.stringContaining('Copy the Bot User OAuth Token') }),
    ]);
    expect(userToken.checks).toEqual([
      expect.objectContaining({ ok: false, fix: expect.stringContaining('not a user token (xoxp-)') }),
    ]);
  });

  it('checks the transport: a wrong app-level token, or HTTP mode without a signing secret', async () => {
    slack = await FakeSlack.start({ scopes: MANIFEST_SCOPES });
    const socket = await slackSection(envFor(slack, { SLACK_APP_TOKEN: 'xapp-revoked' }), {
      apiUrl: slack.apiUrl,
      mode: 'socket',
      allowedChannels: [],
    });
    const http = await slackSection(
      { SLACK_BOT_TOKEN: slack.botToken },
      { apiUrl: slack.apiUrl, mode: 'http', allowedChannels: [] },
    );
    const httpWithSecret = await slackSection(
      { SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret },
      { apiUrl: slack.apiUrl, mode: 'http', allowedChannels: [] },
    );

    expect(socket.checks[2]).toMatchObject({
      ok: false,
      label: expect.stringContaining('invalid_auth'),
      fix: expect.stringContaining('connections:write'),
    });
    expect(http.checks[2]).toMatchObject({ ok: false, fix: expect.stringContaining('Signing Secret') });
    expect(httpWithSecret.checks[2]?.ok).toBe(true);
  });

  it('tells which configured channels the bot is not in, public or private, and how to invite it', async () => {
    slack = await FakeSlack.start({ scopes: MANIFEST_SCOPES });
    const lobby = slack.addChannel('lobby', { members: [slack.user] });
    const secret = slack.addChannel('secret', { isPrivate: true, members: [slack.user] });
    const section = await slackSection(envFor(slack), {
      apiUrl: slack.apiUrl,
      mode: 'socket',
      allowedChannels: [slack.channel.id, lobby.id, secret.id],
    });

    expect(section.checks.slice(3).map((c) => [c.ok, c.label])).toEqual([
      [true, `The bot is a member of <#${slack.channel.id}>`],
      [false, `The bot is a member of <#${lobby.id}> (not_in_channel)`],
      [false, `The bot is a member of <#${secret.id}> (channel_not_found)`],
    ]);
    expect(section.checks.slice(4).every((c) => c.fix?.includes('/invite @rfedit'))).toBe(true);
    expect(doctorExitCode([section])).toBe(1);
  });
});

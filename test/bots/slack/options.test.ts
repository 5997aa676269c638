import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackBot, type SlackBotOptions } from '../../../src/bots/slack/index.ts';
import { assembleCore } from '../../../src/app.ts';
import type { BotCore } from '../../../src/commands/index.ts';
import { TestEngine } from '../../jobs/fixtures/test-engines.ts';
import { SECRET } from './harness.ts';

let dataDir: string;
let core: BotCore;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rfedit-slack-options-'));
  core = assembleCore({ engine: new TestEngine(), dataDir, secret: SECRET });
});
afterAll(async () => {
  await core.close();
  await rm(dataDir, { recursive: true, force: true });
});

const base = (): SlackBotOptions => ({
  core,
  botToken: 'xoxb-1',
  mode: 'socket',
  appToken: 'xapp-1',
  allowedWorkspaces: [],
  allowedChannels: [],
  allowedUsers: [],
});

describe('createSlackBot options', () => {
  it('refuses Socket Mode without an app token, naming the variable', () => {
    expect(() => createSlackBot({ ...base(), appToken: undefined })).toThrow(/SLACK_APP_TOKEN/);
  });

  it('refuses HTTP mode without a signing secret, naming the variable', () => {
    expect(() => createSlackBot({ ...base(), mode: 'http' })).toThrow(/SLACK_SIGNING_SECRET/);
  });

  it('refuses a file host that is not an origin', () => {
    expect(() => createSlackBot({ ...base(), fileHostsAllowed: ['https://files.slack.com/files-pri/'] })).toThrow(
      /origins/,
    );
  });

  it('a bot that was never started stops cleanly', async () => {
    await expect(createSlackBot(base()).stop()).resolves.toBeUndefined();
  });
});

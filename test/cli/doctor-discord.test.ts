/** `rfedit doctor`, Discord section, against the fake Discord: what a person sees after pasting tokens. */
import { PermissionFlagsBits } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { registerDiscordCommands } from '../../src/bots/discord/index.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { runDoctor } from '../../src/cli/doctor/index.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { FakeDiscord } from '../fakes/discord.ts';
import { Harness } from '../bots/discord/harness.ts';

let discord: FakeDiscord | undefined;

afterEach(async () => {
  await discord?.close();
  discord = undefined;
});

function capture(): CliIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(l), stderr: process.stderr };
}

/** Runs doctor the way `npx rfedit doctor` does, with this environment (tokens and config overrides). */
async function doctor(env: NodeJS.ProcessEnv): Promise<{ code: number; text: string }> {
  const io = capture();
  const code = await runDoctor(io, loadConfig({ RFEDIT_CONFIG: '/nonexistent/local.yaml', ...env }));
  return { code, text: io.lines.join('\n') };
}

function envFor(fake: FakeDiscord, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    DISCORD_TOKEN: fake.token,
    DISCORD_APP_ID: fake.applicationId,
    RFEDIT_DISCORD__REST_API: `${fake.origin}/api`,
    ...extra,
  };
}

async function registeredFake(): Promise<FakeDiscord> {
  const fake = await Harness.startFake();
  await registerDiscordCommands({
    token: fake.token,
    applicationId: fake.applicationId,
    restApi: `${fake.origin}/api`,
  });
  return fake;
}

describe('rfedit doctor (Discord)', () => {
  it('says what to set when there are no tokens, and exits 1', async () => {
    const { code, text } = await doctor({});
    expect(text).toMatch(/^Discord: skipped — set DISCORD_TOKEN .* and DISCORD_APP_ID/m);
    expect(text).toMatch(/Nothing to check yet/);
    expect(code).toBe(1);
  });

  it('names the one variable that is missing', async () => {
    const { code, text } = await doctor({ DISCORD_TOKEN: 'x' });
    expect(text).toContain('✗ DISCORD_APP_ID is set');
    expect(code).toBe(1);
  });

  it('passes with a valid token, registered commands and every permission in every channel', async () => {
    discord = await registeredFake();
    const { code, text } = await doctor(envFor(discord));
    expect(text).toContain('✓ Discord token is valid (bot rfedit)');
    expect(text).toContain('✓ DISCORD_APP_ID matches the token');
    expect(text).toContain('✓ Commands registered globally (edit, Edit image, rfedit)');
    expect(text).toContain('✓ #general in Test Guild: the bot has every permission it needs');
    expect(text).not.toContain('✗');
    expect(code).toBe(0);
  });

  it('is wired into `rfedit doctor`', async () => {
    const io = capture();
    const saved = { ...process.env };
    try {
      for (const key of [
        'DISCORD_TOKEN',
        'DISCORD_APP_ID',
        'SLACK_BOT_TOKEN',
        'SLACK_APP_TOKEN',
        'SLACK_SIGNING_SECRET',
      ])
        delete process.env[key];
      process.env.RFEDIT_CONFIG = '/nonexistent/local.yaml';
      expect(await main(['doctor'], io)).toBe(1);
    } finally {
      process.env = saved;
    }
    expect(io.lines.join('\n')).toMatch(/Discord: skipped/);
  });

  it('refuses a wrong token and an application id that is not the token’s, with the fix', async () => {
    discord = await registeredFake();
    const wrongToken = await doctor(envFor(discord, { DISCORD_TOKEN: 'not-the-token' }));
    expect(wrongToken.text).toContain('✗ Discord token is valid');
    expect(wrongToken.text).toMatch(/→ Discord refused the token: reset it/);
    expect(wrongToken.code).toBe(1);
    const wrongApp = await doctor(envFor(discord, { DISCORD_APP_ID: '42' }));
    expect(wrongApp.text).toContain(`✗ DISCORD_APP_ID 42 is not the token's application (${discord.applicationId})`);
    expect(wrongApp.text).toContain(`→ set DISCORD_APP_ID=${discord.applicationId}`);
    expect(wrongApp.code).toBe(1);
  });

  it('says where the commands are registered, or how to register them', async () => {
    discord = await Harness.startFake();
    const none = await doctor(envFor(discord));
    expect(none.text).toContain('✗ Commands are not registered');
    expect(none.text).toMatch(/→ run npx rfedit discord register/);
    expect(none.code).toBe(1);
    await registerDiscordCommands({
      token: discord.token,
      applicationId: discord.applicationId,
      guildId: discord.guild.id,
      restApi: `${discord.origin}/api`,
    });
    const inGuild = await doctor(envFor(discord));
    expect(inGuild.text).toContain('✓ Commands registered in Test Guild');
    expect(inGuild.code).toBe(0);
  });

  it('names a channel where the bot lacks a permission, what for, and how to grant it', async () => {
    discord = await registeredFake();
    const photos = discord.addTextChannel('photos');
    discord.denyBot(photos, PermissionFlagsBits.AttachFiles);
    const { code, text } = await doctor(envFor(discord));
    expect(text).toContain('✓ #general in Test Guild: the bot has every permission it needs');
    expect(text).toContain('✗ #photos in Test Guild: missing Attach Files (to post the edited image)');
    expect(text).toMatch(/→ give the bot's role Attach Files in #photos in Test Guild \(Server Settings → Roles/);
    expect(code).toBe(1);
  });

  it('prints a missing optional permission but still exits 0', async () => {
    discord = await registeredFake();
    discord.denyBot(discord.channel, PermissionFlagsBits.ManageMessages);
    const { code, text } = await doctor(envFor(discord));
    expect(text).toContain('✗ #general in Test Guild: missing Manage Messages (to take back refused reactions)');
    expect(code).toBe(0);
  });

  it('checks only the configured servers and channels, and says when the bot is not in a configured server', async () => {
    discord = await registeredFake();
    const photos = discord.addTextChannel('photos');
    discord.denyBot(discord.channel, PermissionFlagsBits.ViewChannel);
    const { code, text } = await doctor(
      envFor(discord, {
        RFEDIT_DISCORD__ALLOWED_CHANNELS: `["${photos.id}"]`,
        RFEDIT_DISCORD__ALLOWED_GUILDS: `["${discord.guild.id}", "1234"]`,
      }),
    );
    expect(text).toContain('✓ #photos in Test Guild');
    expect(text).not.toContain('#general');
    expect(text).toContain('✗ The bot is in configured server 1234');
    expect(code).toBe(1);
  });
});

import { mkdtempSync, mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '../../src/config/load.ts';

function projectWith(local?: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'rfedit-config-'));
  mkdirSync(path.join(root, 'config'));
  copyFileSync(path.resolve('config/default.yaml'), path.join(root, 'config/default.yaml'));
  if (local !== undefined) writeFileSync(path.join(root, 'config/local.yaml'), local);
  return root;
}

describe('loadConfig', () => {
  it('gives the documented defaults from config/default.yaml', () => {
    const { config } = loadConfig({}, projectWith());
    expect(config.queue.slots).toBe(1);
    expect(config.web).toEqual({ enabled: true, host: '127.0.0.1', port: 8787 });
    expect(config.engine.model).toBe('demo');
  });

  it('lets a local file override defaults and the environment override both', () => {
    const root = projectWith('queue:\n  slots: 2\n  maxQueued: 7\n');
    const { config } = loadConfig({ RFEDIT_QUEUE__SLOTS: '3', RFEDIT_ENGINE__EXECUTION_PROVIDERS: '[cpu]' }, root);
    expect(config.queue.slots).toBe(3);
    expect(config.queue.maxQueued).toBe(7);
    expect(config.engine.executionProviders).toEqual(['cpu']);
  });

  it("matches environment keys to the schema's spelling, so keys ending in MB can be set too", () => {
    const { config } = loadConfig(
      { RFEDIT_STORAGE__MIN_FREE_MB: '64', RFEDIT_ENGINE__INVERSION_CACHE_DISK_MB: '100' },
      projectWith(),
    );
    expect(config.storage.minFreeMB).toBe(64);
    expect(config.engine.inversionCacheDiskMB).toBe(100);
  });

  it('takes the inversion convention and the WebGPU provider from the config, and refuses an unknown convention', () => {
    expect(loadConfig({}, projectWith()).config.engine.convention).toBe('consistent');
    const root = projectWith('engine:\n  executionProviders: [webgpu, cpu]\n');
    const { config } = loadConfig({ RFEDIT_ENGINE__CONVENTION: 'diffusers' }, root);
    expect(config.engine.convention).toBe('diffusers');
    expect(config.engine.executionProviders).toEqual(['webgpu', 'cpu']);
    expect(() => loadConfig({ RFEDIT_ENGINE__CONVENTION: 'sideways' }, root)).toThrow(ConfigError);
  });

  it('reads secrets only from the environment and never prints them', () => {
    // RFEDIT_WEB_PASSWORD shares the config prefix, but is a secret, not the key web.password.
    const { secrets, ...rest } = loadConfig(
      { DISCORD_TOKEN: 'tok-123', RFEDIT_SECRET: 'hush', RFEDIT_WEB_PASSWORD: 'open sesame' },
      projectWith(),
    );
    expect(secrets).toEqual({ discordToken: 'tok-123', actionSecret: 'hush', webPassword: 'open sesame' });
    const printed = describeConfig({ secrets, ...rest });
    expect(printed).not.toContain('tok-123');
    expect(printed).not.toContain('hush');
    expect(printed).not.toContain('open sesame');
    expect(printed).toContain('DISCORD_TOKEN: (set, redacted)');
  });

  it('refuses a secret in a file, an unknown key and a bad value with one line per problem naming the key', () => {
    const root = projectWith('discordToken: abc\nqueue:\n  slots: 0\nweb:\n  port: http\n');
    try {
      loadConfig({}, root);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(3);
      expect(problems.join('\n')).toMatch(/queue\.slots: .*greater than or equal to 1/);
      expect(problems.join('\n')).toMatch(/web\.port: Expected number, received string/);
      expect(problems.join('\n')).toMatch(/Unrecognized key\(s\) in object: 'discordToken'/);
    }
  });

  it('runs every Discord shard by default, and a replica only its listed shard ids out of shardCount', () => {
    expect(loadConfig({}, projectWith()).config.discord.shards).toBe('auto');
    const { config } = loadConfig(
      { RFEDIT_DISCORD__SHARDS: '[2, 3]', RFEDIT_DISCORD__SHARD_COUNT: '4' },
      projectWith(),
    );
    expect(config.discord).toMatchObject({ shards: [2, 3], shardCount: 4 });
    expect(() => loadConfig({ RFEDIT_DISCORD__SHARDS: '[0]' }, projectWith())).toThrow(
      /discord\.shardCount: set the total number of shards/,
    );
    expect(() =>
      loadConfig({ RFEDIT_DISCORD__SHARDS: '[4]', RFEDIT_DISCORD__SHARD_COUNT: '4' }, projectWith()),
    ).toThrow(/discord\.shards: shard ids must be below shardCount \(4\)/);
  });

  it('names the file when it is not valid YAML', () => {
    const root = projectWith('queue: [unclosed\n');
    expect(() => loadConfig({}, root)).toThrow(/local\.yaml/);
  });
});

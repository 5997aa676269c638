/** The README's invite link asks for exactly the permissions the bot checks for (src/bots/discord/permissions.ts). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DISCORD_PERMISSIONS, INVITE_PERMISSIONS } from '../../../src/bots/discord/index.ts';

describe('the README’s Discord permissions', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

  it('invite link carries the bits of the needed list', () => {
    const links = [...readme.matchAll(/discord\.com\/oauth2\/authorize\?[^`\s]*permissions=(\d+)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(0);
    for (const bits of links) expect(bits).toBe(String(INVITE_PERMISSIONS));
  });

  it('names every needed permission', () => {
    for (const permission of DISCORD_PERMISSIONS) expect(readme).toContain(permission.name);
  });
});

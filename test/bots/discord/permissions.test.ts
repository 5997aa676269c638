/**
 * The bot's reading of Discord's permission rules (used by `rfedit doctor`) against the fake's, written apart from
 * it from the same documentation: on random servers both must agree on every permission the bot needs.
 */
import { PermissionFlagsBits } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { channelPermissionsOf, DISCORD_PERMISSIONS, missingToPost } from '../../../src/bots/discord/permissions.ts';
import { channelPermissions } from '../../fakes/discord-permissions.ts';

const NEEDED = DISCORD_PERMISSIONS.reduce((bits, p) => bits | p.flag, 0n);
const BITS = [
  ...DISCORD_PERMISSIONS.map((p) => p.flag),
  PermissionFlagsBits.Administrator,
  PermissionFlagsBits.ManageGuild,
];

function randomBits(random: () => number): bigint {
  return BITS.reduce((bits, bit) => (random() < 0.3 ? bits | bit : bits), 0n);
}

/** A small deterministic generator, so a failure repeats. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

describe('channel permissions', () => {
  it('agree with the fake’s model on 500 random servers (roles, @everyone, role and member overwrites, owner)', () => {
    const random = lcg(12);
    for (let n = 0; n < 500; n++) {
      const guildId = '100';
      const roles = [
        { id: guildId, permissions: String(randomBits(random) & ~PermissionFlagsBits.Administrator) },
        ...['1', '2', '3'].map((id) => ({
          id,
          permissions: String(
            random() < 0.1
              ? PermissionFlagsBits.Administrator
              : randomBits(random) & ~PermissionFlagsBits.Administrator,
          ),
        })),
      ];
      const memberRoleIds = ['1', '2', '3'].filter(() => random() < 0.5);
      const targets = [
        { id: guildId, type: 0 },
        { id: '1', type: 0 },
        { id: '2', type: 0 },
        { id: 'bot', type: 1 },
      ];
      const overwrites = targets
        .filter(() => random() < 0.6)
        .map((t) => ({ ...t, allow: String(randomBits(random)), deny: String(randomBits(random)) }));
      const ownerId = random() < 0.05 ? 'bot' : 'someone';
      const ours = channelPermissionsOf({ guildId, ownerId, roles, userId: 'bot', memberRoleIds, overwrites });
      const theirs = channelPermissions(
        { id: guildId, ownerId, roles },
        { userId: 'bot', roleIds: memberRoleIds },
        overwrites as never,
      );
      expect(ours & NEEDED, `case ${n}`).toBe(theirs & NEEDED);
    }
  });

  it('in a thread, asks for Send Messages in Threads instead of Send Messages', () => {
    const granted =
      PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.AttachFiles;
    expect(missingToPost(granted, false)).toEqual([]);
    expect(missingToPost(granted, true).map((p) => p.name)).toEqual(['Send Messages in Threads']);
  });
});

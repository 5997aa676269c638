import { randomBytes } from 'node:crypto';

/** 12 url-safe characters (72 random bits): short enough for button ids, too many to guess. */
export function newJobId(): string {
  return randomBytes(9).toString('base64url');
}

/** Limits and fairness count per person per platform: the same id on Discord and Slack is two people. */
export function userKey(user: { platform: string; id: string }): string {
  return `${user.platform}:${user.id}`;
}

import { randomBytes } from 'node:crypto';

const ID_BYTES = 9;
// One system call for many ids: randomBytes per id costs more than the rest of a submit.
const POOL_IDS = 512;
let pool = Buffer.alloc(0);
let offset = 0;

/** 12 url-safe characters (72 random bits): short enough for button ids, too many to guess. */
export function newJobId(): string {
  if (offset + ID_BYTES > pool.length) {
    pool = randomBytes(ID_BYTES * POOL_IDS);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}

/** Limits and fairness count per person per platform: the same id on Discord and Slack is two people. */
export function userKey(user: { platform: string; id: string }): string {
  return `${user.platform}:${user.id}`;
}

import { describe, expect, it } from 'vitest';
import {
  ACTION_ID_MAX_LENGTH,
  ACTION_NAMES,
  createActionCodec,
  decodeActionId,
  encodeActionId,
} from '../../src/commands/action-id.ts';

const SECRET = 'server-secret-0123456789abcdef';

describe('action ids', () => {
  it('every action round-trips with its job id and argument', () => {
    for (const action of ACTION_NAMES) {
      expect(decodeActionId(encodeActionId({ action, jobId: 'AbC-12_xyz90', arg: '3' }, SECRET), SECRET)).toEqual({
        action,
        jobId: 'AbC-12_xyz90',
        arg: '3',
      });
    }
  });

  it('an id signed before compare was an action (info with the argument compare) decodes as compare', () => {
    const legacy = encodeActionId({ action: 'info', jobId: 'job123', arg: 'compare' }, SECRET);
    expect(decodeActionId(legacy, SECRET)).toEqual({ action: 'compare', jobId: 'job123' });
  });

  it('ids stay within the 100 characters Discord allows, even with the longest job id and argument', () => {
    const id = encodeActionId({ action: 'variation', jobId: 'x'.repeat(40), arg: 'y'.repeat(16) }, SECRET);
    expect(id.length).toBeLessThanOrEqual(ACTION_ID_MAX_LENGTH);
  });

  it('an id signed with another server’s secret is refused', () => {
    const foreign = encodeActionId({ action: 'delete', jobId: 'job123' }, 'another-servers-secret-987654');
    expect(decodeActionId(foreign, SECRET)).toBeNull();
  });

  it('an id whose job id or action was altered is refused', () => {
    const id = encodeActionId({ action: 'info', jobId: 'job123' }, SECRET);
    expect(decodeActionId(id.replace('job123', 'job124'), SECRET)).toBeNull();
    expect(decodeActionId(id.replace('.i.', '.d.'), SECRET)).toBeNull();
  });

  it('a forged id with a made-up signature, or something that is not ours, is refused', () => {
    expect(decodeActionId('rf1.d.job123..AAAAAAAAAAAAAAAAAAAAAA', SECRET)).toBeNull();
    expect(decodeActionId('MJ::JOB::variation::1::5f2c', SECRET)).toBeNull();
    expect(decodeActionId('', SECRET)).toBeNull();
  });

  it('an id of an unknown version is refused', () => {
    const id = encodeActionId({ action: 'info', jobId: 'job123' }, SECRET);
    expect(decodeActionId(id.replace(/^rf1/, 'rf9'), SECRET)).toBeNull();
  });

  it('a job id or argument that cannot be encoded is a programming error', () => {
    expect(() => encodeActionId({ action: 'info', jobId: 'has.dot' }, SECRET)).toThrow(TypeError);
    expect(() => encodeActionId({ action: 'info', jobId: 'ok', arg: 'x'.repeat(17) }, SECRET)).toThrow(TypeError);
  });

  it('a codec refuses a secret too short to sign with', () => {
    expect(() => createActionCodec('short')).toThrow(/at least 16/);
  });
});

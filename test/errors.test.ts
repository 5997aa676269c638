import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ModelError, RfeditError, userFailure } from '../src/errors.ts';

describe('userFailure', () => {
  it('passes a known error through unchanged and reports nothing', () => {
    const known = new ModelError('model_file_missing', 'The model files are missing; an admin must run the setup.');
    const reported: string[] = [];
    expect(userFailure(known, { report: (_e, id) => reported.push(id) })).toBe(known);
    expect(reported).toEqual([]);
  });

  it('turns anything else into `internal` with a reference id the logs get too, and no internals', () => {
    const reported: Array<[unknown, string]> = [];
    const cause = new Error('CUDA error: illegal memory access at 0xdeadbeef');
    const failure = userFailure(cause, { report: (error, id) => reported.push([error, id]) });
    expect(failure).toBeInstanceOf(RfeditError);
    expect(failure.code).toBe('internal');
    expect(failure.userMessage).not.toContain('CUDA');
    expect(reported).toHaveLength(1);
    expect(reported[0][0]).toBe(cause);
    expect(failure.userMessage).toContain(`(reference ${reported[0][1]})`);
    expect(failure.cause).toBe(cause);
  });

  it('uses the reference it is given (a job id), and fresh ones differ', () => {
    expect(userFailure('boom', { referenceId: 'job123' }).userMessage).toContain('reference job123');
    const a = userFailure(new Error('a')).userMessage;
    const b = userFailure(new Error('b')).userMessage;
    expect(a).not.toBe(b);
  });
});

describe('the error codes', () => {
  it('are one list without repeats, and the merged option codes are gone', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const merged of ['option_out_of_range', 'invalid_parameter', 'invalid_flag'])
      expect(ERROR_CODES).not.toContain(merged);
    expect(ERROR_CODES).toContain('option_invalid');
  });
});

/** The web chat's per-client counts, without a server: who counts as one client, and what each limit says. */
import { describe, expect, it } from 'vitest';
import { addressKey, ClientQuota } from '../../../src/bots/web/client-quota.ts';
import { UploadGate, UPLOAD_LIMIT_DEFAULTS } from '../../../src/bots/web/upload-gate.ts';

describe('addressKey', () => {
  it('counts an IPv4 client by its address, also when it arrives mapped into IPv6', () => {
    expect(addressKey('203.0.113.7')).toBe('ip:203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('ip:203.0.113.7');
  });

  it('counts an IPv6 client by its /64, which one machine can rotate through freely', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('ip:2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('ip:2001:db8:1:2::/64');
    expect(addressKey('2001:db8::7')).toBe('ip:2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('ip:0:0:0:0::/64');
  });
});

describe('ClientQuota', () => {
  it('refuses an edit beyond the daily count with the time left, counting edits still being asked for', () => {
    const noon = Date.UTC(2026, 10, 30, 12);
    const quota = new ClientQuota({ perClientQueued: 10, dailyPerClient: 2 }, () => noon);
    quota.started('ip:1', 'a');
    quota.finished('a');
    const pending = quota.reserve('ip:1'); // asked for, not yet answered
    expect(() => quota.reserve('ip:1')).toThrow(
      'This chat has started all 2 edits allowed from your connection today. The count resets at midnight UTC (in about 12 h).',
    );
    pending();
    expect(() => quota.reserve('ip:2')).not.toThrow(); // another client is counted apart
  });

  it('starts the count again the next UTC day', () => {
    let now = Date.UTC(2026, 10, 30, 23, 59);
    const quota = new ClientQuota({ perClientQueued: 10, dailyPerClient: 1 }, () => now);
    quota.started('ip:1', 'a');
    expect(() => quota.reserve('ip:1')).toThrow(/all 1 edits/);
    now += 2 * 60_000;
    expect(() => quota.reserve('ip:1')()).not.toThrow();
  });
});

describe('UploadGate', () => {
  it('lets a body of unknown length grow only while the budget has room, and gives it all back once', () => {
    const gate = new UploadGate({ ...UPLOAD_LIMIT_DEFAULTS, maxBytesInFlight: 1000 });
    const first = gate.admit(100);
    first.grow(700);
    expect(gate.inFlight).toBe(700);
    const second = gate.admit(200);
    expect(() => second.grow(301)).toThrow(
      'The server is busy receiving other photos right now. Please try again in a minute.',
    );
    first.release();
    first.release();
    expect(gate.inFlight).toBe(200);
    second.release();
    expect(gate.inFlight).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { ProgressThrottle } from '../../src/jobs/progress-throttle.ts';

describe('progress throttle', () => {
  it('paces each platform at its own interval: the web chat every 400 ms, Discord every 2.5 s', () => {
    let now = 0;
    const throttle = new ProgressThrottle({ defaultMs: 2_500, byPlatform: { web: 400 } }, () => now);
    const passed = { web: 0, discord: 0 };
    for (now = 0; now < 5_000; now += 100) {
      if (throttle.pass('web-job', now / 10_000, { platform: 'web' })) passed.web++;
      if (throttle.pass('discord-job', now / 10_000, { platform: 'discord' })) passed.discord++;
    }
    expect(passed).toEqual({ web: 13, discord: 2 });
  });

  it('lets a preview through when none was shown for an interval, even right after a plain update', () => {
    let now = 0;
    const throttle = new ProgressThrottle(2_500, () => now);
    expect(throttle.pass('job', 0.1)).toBe(true);
    now = 100;
    expect(throttle.pass('job', 0.2)).toBe(false);
    expect(throttle.pass('job', 0.3, { preview: true })).toBe(true);
    now = 200;
    expect(throttle.pass('job', 0.4, { preview: true })).toBe(false);
    expect(throttle.pass('job', 1)).toBe(true);
  });
});

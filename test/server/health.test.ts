import { afterEach, describe, expect, it } from 'vitest';
import type { EditEngine, EditResult } from '../../src/engine/types.ts';
import { createHealthServer, type HealthServer } from '../../src/server/health.ts';
import { Metrics } from '../../src/server/metrics.ts';

const place = { platform: 'web' as const, channelId: 'c1' };
const owner = { platform: 'web' as const, id: 'alice' };

function resultWith(cached: boolean): EditResult {
  return {
    image: new Uint8Array(1),
    mime: 'image/png',
    width: 16,
    height: 16,
    params: {} as EditResult['params'],
    transformerCalls: { invert: cached ? 0 : 28, edit: 28 },
    inversionCached: cached,
    timingsMs: { invert: cached ? 0 : 1500, edit: 1400, total: 3000 },
  };
}

describe('health server', () => {
  let server: HealthServer | undefined;
  afterEach(async () => server?.stop());

  async function startWith(
    checks: Record<string, () => true | string>,
    metrics = new Metrics({ defaultMetrics: false }),
  ) {
    server = createHealthServer({ host: '127.0.0.1', port: 0, metrics, checks });
    return (await server.start()).url;
  }

  it('answers /healthz while alive and /readyz only when every check passes, saying which failed', async () => {
    let engineLoaded: true | string = 'the model is still loading';
    const url = await startWith({ engine: () => engineLoaded, discord: () => true });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({
      status: 'not ready',
      checks: { engine: 'the model is still loading', discord: true },
    });
    engineLoaded = true;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('exports queue depth, job outcomes, transformer calls and cache hits in Prometheus format', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    let queued = 4;
    metrics.watchQueue({ stats: () => ({ queued, running: 1 }) });
    const engine: EditEngine = {
      resolveParams: () => ({}) as never,
      edit: async (request) => resultWith(request.prompt === 'again'),
      close: async () => {},
    };
    const metered = metrics.meter(engine);
    await metered.edit({ image: new Uint8Array(1), prompt: 'first' });
    await metered.edit({ image: new Uint8Array(1), prompt: 'again' });
    metrics.observeEvent({ type: 'started', jobId: 'j1', owner, place, attempt: 1, etaMs: 0 });
    metrics.observeEvent({
      type: 'failed',
      jobId: 'j1',
      owner,
      place,
      code: 'internal',
      userMessage: 'x',
      redelivery: false,
    });
    metrics.observeEvent({
      type: 'failed',
      jobId: 'j1',
      owner,
      place,
      code: 'internal',
      userMessage: 'x',
      redelivery: true,
    });
    metrics.rateLimited('discord');
    const url = await startWith({}, metrics);
    queued = 6;
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('rfedit_queue_depth{state="queued"} 6');
    expect(text).toContain('rfedit_queue_depth{state="running"} 1');
    expect(text).toContain('rfedit_transformer_calls_total{phase="invert"} 28');
    expect(text).toContain('rfedit_transformer_calls_total{phase="edit"} 56');
    expect(text).toContain('rfedit_inversion_cache_total{result="hit"} 1');
    expect(text).toContain('rfedit_inversion_cache_total{result="miss"} 1');
    expect(text).toContain('rfedit_jobs_total{event="failed"} 1'); // the redelivery is not counted twice
    expect(text).toContain('rfedit_job_failures_total{code="internal"} 1');
    expect(text).toContain('rfedit_chat_rate_limited_total{platform="discord"} 1');
    expect(text).toMatch(/rfedit_edit_phase_seconds_count\{phase="edit"\} 2/);
  });

  it('refuses other methods and unknown paths plainly', async () => {
    const url = await startWith({});
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });
});

/**
 * golden/rf-inversion: the diffusers community RF-Inversion pipeline (invert() then __call__) on the fixture's
 * model, reproduced stage by stage with rfedit's own pieces: the model as loadFluxModel opens a real export,
 * the flow's fluxSigmas / invert (convention `diffusers`) / edit, packing and ids. The prompt embeddings are the
 * golden's (its pipeline replaced encode_prompt; golden/text covers the text path) and so is the inversion's
 * target noise y1 (torch.randn_like, seeded).
 */
import { edit, fluxSigmas, invert, shiftMu, type Velocity } from '../flow/index.ts';
import type { FluxModel } from '../flux/model.ts';
import { imageIds, packLatents } from '../flux/packing.ts';
import type { PromptEmbedding } from '../flux/text-encoders.ts';
import type { FluxCondition } from '../flux/transformer.ts';
import type { GoldenFolder } from './fixture.ts';
import { type StageLog, drift, relative } from './stages.ts';

function embedding(g: GoldenFolder, which: 'null' | 'target'): PromptEmbedding {
  const t5 = g.f32(`${which}_t5.f32`);
  const t5Length: number = g.manifest.t5_length;
  return {
    text: which,
    t5,
    t5Length,
    t5Dim: t5.length / t5Length,
    pooled: g.f32(`${which}_pooled.f32`),
    truncated: false,
  };
}

/**
 * A velocity that compares every call with the golden's recorded call: the state fed, the time fed and the
 * transformer's output. Reports one stage per phase, naming the first call that drifts.
 */
class CallTrace {
  private calls = 0;
  private worst = { state: 0, velocity: 0, time: 0 };
  private firstBad: string | null = null;
  private readonly states: Float32Array;
  private readonly velocities: Float32Array;
  private readonly times: number[];

  constructor(
    private readonly model: FluxModel,
    private readonly log: StageLog,
    g: GoldenFolder,
    phase: 'invert' | 'edit',
  ) {
    this.states = g.f32(`${phase}_states.f32`);
    this.velocities = g.f32(`${phase}_velocities.f32`);
    this.times = g.manifest[`${phase}_model_times`];
  }

  readonly velocity: Velocity<FluxCondition> = async (x, sigma, cond) => {
    const i = this.calls++;
    const v = await this.model.velocity(x, sigma, cond);
    const n = x.length;
    if (i < this.times.length) {
      const { relative: tol, time: timeTol } = this.log.tolerance;
      const state = relative(drift(x, this.states.subarray(i * n, (i + 1) * n)));
      const velocity = relative(drift(v, this.velocities.subarray(i * n, (i + 1) * n)));
      const time = Math.abs(sigma - this.times[i]);
      this.worst = {
        state: Math.max(this.worst.state, state),
        velocity: Math.max(this.worst.velocity, velocity),
        time: Math.max(this.worst.time, time),
      };
      if (this.firstBad === null) {
        if (time > timeTol) this.firstBad = `call ${i}: time fed ${sigma} vs ${this.times[i]}`;
        else if (state > tol) this.firstBad = `call ${i}: state fed drifts (relative ${state.toExponential(2)})`;
        else if (velocity > tol)
          this.firstBad = `call ${i}: velocity drifts (relative ${velocity.toExponential(2)}) from a matching state`;
      }
    }
    return v;
  };

  report(stage: string): boolean {
    const countOk = this.calls === this.times.length;
    const ok = countOk && this.firstBad === null;
    const worst = `worst relative: state ${this.worst.state.toExponential(2)}, velocity ${this.worst.velocity.toExponential(2)}; time ${this.worst.time.toExponential(2)}`;
    const problem = !countOk
      ? `${this.calls} transformer calls, the golden made ${this.times.length}; `
      : this.firstBad
        ? `first drift at ${this.firstBad}; `
        : '';
    return this.log.add(stage, ok, `${problem}${this.calls} calls; ${worst}`);
  }
}

export async function checkRfInversion(model: FluxModel, g: GoldenFolder, log: StageLog): Promise<void> {
  const m = g.manifest;
  const { width, height } = m;
  const { channels, height: lh, width: lw } = m.latent;
  const { scaling_factor: scale, shift_factor: shift } = m.vae;

  // Packing and ids: the golden's own VAE output, normalized and packed, must give its y0; positions its img_ids.
  const mean = g.f32('latent_parameters.f32').subarray(0, channels * lh * lw);
  const normalized = Float32Array.from(mean, (v) => (v - shift) * scale);
  log.floats(
    'packing: latent [C, h, w] → tokens [(h/2)(w/2), 4C]',
    packLatents(normalized, channels, lh, lw),
    g.f32('y0.f32'),
  );
  const cond0 = model.condition(embedding(g, 'null'), 0, width, height);
  const gridOk = cond0.rows === m.rows && cond0.cols === m.cols;
  log.add(
    'token grid',
    gridOk,
    `${cond0.rows} rows × ${cond0.cols} cols for ${width}×${height} pixels (golden ${m.rows} × ${m.cols})`,
  );
  log.exact('img_ids', imageIds(cond0.rows, cond0.cols), g.f32('img_ids.f32'), '(0, row, col) positions');

  // VAE encode: diffusers samples the posterior (latent_dist.sample()); the golden was made with its mean
  // (manifest vae_encode), which is what rfedit uses, so the same photo always inverts to the same latent.
  if (m.vae_encode !== 'mean') {
    log.add(
      'vae encode',
      false,
      `the golden sampled the VAE posterior (vae_encode ${m.vae_encode}); rfedit uses its mean: regenerate with ENCODE=mean`,
    );
  }
  const y0 = await model.encodeImage(g.u8('image.rgb'), width, height);
  log.floats(
    'vae encode: pixels → mean → normalized, packed y0',
    y0,
    g.f32('y0.f32'),
    'the posterior mean (diffusers would sample it)',
  );

  // Schedule: mu from the token count (dynamic shifting only), the shifted sigmas.
  const tokens = cond0.rows * cond0.cols;
  const schedule = model.info.schedule;
  if (schedule.dynamic && typeof m.mu === 'number') {
    const mu = shiftMu(tokens, schedule);
    log.add('schedule: mu', Math.abs(mu - m.mu) <= 1e-9, `mu ${mu} vs ${m.mu}`);
  }
  const sigmas = fluxSigmas(m.steps, { imageSeqLen: tokens, ...schedule });
  const sigmaDrift = drift(sigmas, m.sigmas_edit as number[]);
  log.add(
    'schedule: sigmas',
    sigmaDrift.maxAbs <= log.tolerance.time && sigmaDrift.at >= 0,
    `${sigmas.length} sigmas, max|Δ| ${sigmaDrift.maxAbs.toExponential(2)} (the golden's are float32)`,
  );

  // Inversion in the diffusers convention, every call traced; from our own y0 and the golden's y1.
  const inversion = new CallTrace(model, log, g, 'invert');
  const inverted = await invert({
    y0,
    y1: g.f32('y1.f32'),
    velocity: inversion.velocity,
    cond: model.condition(embedding(g, 'null'), m.invert_guidance ?? 0, width, height),
    sigmas,
    gamma: m.gamma,
    convention: 'diffusers',
  });
  inversion.report(`inversion (convention diffusers, γ ${m.gamma}): every transformer call`);
  log.floats('inversion: inverted latent', inverted, g.f32('inverted.f32'));

  // Edit: the controlled reverse ODE from our own inverted latent.
  const [start, stop] = m.controller_window;
  const editing = new CallTrace(model, log, g, 'edit');
  const edited = await edit({
    x: inverted,
    y0,
    velocity: editing.velocity,
    cond: model.condition(embedding(g, 'target'), m.edit_guidance ?? m.guidance, width, height),
    sigmas,
    eta: m.eta,
    start,
    stop,
  });
  editing.report(`edit (η ${m.eta}, window ${start}..${stop}): every transformer call`);
  log.floats('edit: edited latent', edited, g.f32('edited.f32'));

  // Decode: unpack, denormalize, vae_decoder, to bytes.
  const rgb = await model.decode(edited, width, height);
  log.image('decode: edited latent → RGB bytes', rgb, g.u8('decoded.rgb'));
}

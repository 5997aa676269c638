/**
 * golden/onnx-dyn: the torch models at shapes other than the export's dummy inputs, so a dynamic axis that the
 * export froze shows. The transformer and decoder go through the model as rfedit uses it; the encoder's
 * reference input is not an 8-bit image, so it is fed to the raw session.
 */
import type { FluxModel } from '../flux/model.ts';
import { imageIds, packLatents } from '../flux/packing.ts';
import { planarToRgb } from '../flux/vae.ts';
import type { GoldenFolder } from './fixture.ts';
import type { RawSessions } from './raw-sessions.ts';
import type { StageLog } from './stages.ts';

export async function checkOnnxDyn(model: FluxModel, raw: RawSessions, g: GoldenFolder, log: StageLog): Promise<void> {
  // Transformer: the token grid from the golden's positions, text length from its states.
  const ids = g.f32('t_img_ids.f32');
  let rows = 0;
  let cols = 0;
  for (let i = 0; i < ids.length; i += 3) {
    rows = Math.max(rows, ids[i + 1] + 1);
    cols = Math.max(cols, ids[i + 2] + 1);
  }
  log.exact(`onnx-dyn: img_ids of a ${rows}×${cols} grid`, imageIds(rows, cols), ids, '(0, row, col) positions');
  const [, t5Length, t5Dim] = g.shape('t_encoder_hidden_states.f32');
  const text = {
    text: 'onnx-dyn',
    t5: g.f32('t_encoder_hidden_states.f32'),
    t5Length,
    t5Dim,
    pooled: g.f32('t_pooled_projections.f32'),
    truncated: false,
  };
  const v = await model.velocity(g.f32('t_hidden_states.f32'), g.f32('t_timestep.f32')[0], {
    text,
    guidance: g.f32('t_guidance.f32')[0],
    rows,
    cols,
  });
  log.floats(`onnx-dyn: transformer at ${rows * cols} image / ${t5Length} text tokens`, v, g.f32('t_out.f32'));

  // VAE encoder at another size.
  const eShape = g.shape('e_in.f32');
  const encoded = await raw.run('vae_encoder', g.f32('e_in.f32'), eShape);
  log.floats(`onnx-dyn: vae_encoder at ${eShape[3]}×${eShape[2]}`, encoded, g.f32('e_out.f32'));

  // VAE decoder from another latent size, through rfedit's decode (normalized packed latent in, bytes out).
  const [, c, h, w] = g.shape('d_in.f32');
  const { scalingFactor, shiftFactor, spatialFactor } = model.info.vae;
  const normalized = Float32Array.from(g.f32('d_in.f32'), (x) => (x - shiftFactor) * scalingFactor);
  const rgb = await model.decode(packLatents(normalized, c, h, w), w * spatialFactor, h * spatialFactor);
  log.image(
    `onnx-dyn: vae_decoder from a ${w}×${h} latent`,
    rgb,
    planarToRgb(g.f32('d_out.f32'), w * spatialFactor, h * spatialFactor),
  );
}

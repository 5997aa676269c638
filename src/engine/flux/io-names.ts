/**
 * The input and output names each component may use. optimum exports, older optimum exports and BFL's
 * TensorRT-oriented exports name the same tensors differently; the first match wins.
 */
import type { ComponentName } from './model-files.ts';

export interface NameSpec {
  role: string;
  accepted: readonly string[];
  /** Required unless false. */
  required?: boolean;
}

export interface ComponentIo {
  inputs: readonly NameSpec[];
  outputs: readonly NameSpec[];
}

export const IO_NAMES = {
  text_encoder: {
    inputs: [{ role: 'token ids', accepted: ['input_ids'] }],
    outputs: [{ role: 'pooled output', accepted: ['pooler_output', 'pooled_embeddings', 'text_embeds'] }],
  },
  text_encoder_2: {
    inputs: [{ role: 'token ids', accepted: ['input_ids'] }],
    outputs: [{ role: 'hidden states', accepted: ['last_hidden_state', 'text_embeddings'] }],
  },
  transformer: {
    inputs: [
      { role: 'packed latent', accepted: ['hidden_states'] },
      { role: 'T5 states', accepted: ['encoder_hidden_states'] },
      { role: 'CLIP pooled', accepted: ['pooled_projections'] },
      { role: 'timestep', accepted: ['timestep'] },
      { role: 'image ids', accepted: ['img_ids'] },
      { role: 'text ids', accepted: ['txt_ids'] },
      { role: 'guidance', accepted: ['guidance'], required: false },
    ],
    outputs: [{ role: 'velocity', accepted: ['out_hidden_states', 'latent', 'sample'] }],
  },
  vae_encoder: {
    inputs: [{ role: 'image', accepted: ['sample', 'images'] }],
    // latent_parameters = mean ‖ logvar (current optimum); latent_sample / latent = an already sampled latent.
    outputs: [{ role: 'latent', accepted: ['latent_parameters', 'latent_sample', 'latent'] }],
  },
  vae_decoder: {
    inputs: [{ role: 'latent', accepted: ['latent_sample', 'latent'] }],
    outputs: [{ role: 'image', accepted: ['sample', 'images'] }],
  },
} as const satisfies Record<ComponentName, ComponentIo>;

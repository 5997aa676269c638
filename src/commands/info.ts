import type { JobRecord } from '../jobs/types.ts';
import { formatDuration, quote } from './format.ts';
import { findVisibleJob } from './job-access.ts';
import { ancestorsOf } from './lineage.ts';
import { jobOption } from './options.ts';
import type { CommandModule } from './types.ts';

export const infoCommand: CommandModule<'info'> = {
  name: 'info',
  description: 'Parameters, seed, timings and history of an edit',
  options: [jobOption('The edit to describe')],
  async execute(command, ctx, deps) {
    const job = findVisibleJob(command.jobId, ctx, deps);
    const lines = [
      `${job.kind} ${job.id}: ${quote(job.prompt, 300)}`,
      `Status: ${job.status}${job.error ? ` (${job.error.userMessage})` : ''}`,
      ...paramLines(job),
      ...timingLines(job),
      `Lineage: ${[job, ...ancestorsOf(job, deps)].map((j) => `${j.kind} ${j.id}`).join(' ← ')}`,
      `Source image: ${job.sourceHash.slice(0, 12)}`,
    ];
    return { text: lines.join('\n'), ephemeral: true, jobId: job.id };
  },
};

function paramLines(job: JobRecord): string[] {
  const p = job.params;
  return [
    `Strength: ${p.strength ?? 'hand-set'}${p.preset ? `, preset ${p.preset}` : ''}`,
    `Seed: ${p.seed} (inversion ${p.inversionSeed}), sampler ${p.sampler}, ${p.method}`,
    `Steps: ${p.steps}, guidance ${p.guidance}, γ ${p.gamma}, η ${p.eta} over steps ${p.start}–${p.stop} (decay ${p.etaDecayPower})`,
  ];
}

function timingLines(job: JobRecord): string[] {
  const { createdAt, startedAt, finishedAt, engineMs } = job.timings;
  const lines: string[] = [];
  if (startedAt !== null) lines.push(`Waited ${formatDuration(startedAt - createdAt)} in the queue`);
  if (startedAt !== null && finishedAt !== null)
    lines.push(`Ran ${formatDuration(finishedAt - startedAt)}${job.attempts > 1 ? ` (attempt ${job.attempts})` : ''}`);
  if (engineMs) {
    const phases = Object.entries(engineMs).filter(([phase]) => phase !== 'total');
    if (phases.length > 0)
      lines.push(`Engine: ${phases.map(([phase, ms]) => `${phase} ${formatDuration(ms)}`).join(', ')}`);
  }
  return lines;
}

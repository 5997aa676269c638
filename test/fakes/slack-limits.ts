/**
 * Block Kit and view limits Slack enforces, so blocks or a modal the real API would refuse (invalid_blocks,
 * invalid_arguments) are refused by the fake too. Each check returns readable problems; none means valid.
 */

interface Element {
  type?: string;
  action_id?: string;
  block_id?: string;
  value?: string;
  text?: { text?: string } | string;
  elements?: Element[];
  accessory?: Element;
  element?: Element;
  image_url?: string;
  slack_file?: { id?: string; url?: string };
}

/**
 * Whether an image block may show a Slack file: `refused` for one the poster cannot see (or that does not exist),
 * `processing` for one Slack has not finished processing.
 */
export type FileCheck = (id: string) => 'ok' | 'refused' | 'processing';

/** `processing` is true when the only problems are files still being processed (worth trying again later). */
export function blocksProblems(
  blocks: unknown,
  maxBlocks: number,
  checkFile: FileCheck = () => 'ok',
): { problems: string[]; processing: boolean } {
  if (blocks === undefined) return { problems: [], processing: false };
  if (!Array.isArray(blocks)) return { problems: ['blocks: not an array'], processing: false };
  const problems: string[] = [];
  let processingOnly = true;
  if (blocks.length > maxBlocks) problems.push(`blocks: ${blocks.length} (max ${maxBlocks})`);
  (blocks as Element[]).forEach((block, i) => {
    const found = blockProblems(block, `blocks[${i}]`);
    const fileId = block.slack_file?.id;
    // Slack's own words for both cases (python-slack-sdk#1797): "invalid slack file [json-pointer:/blocks/0/slack_file]".
    const file = fileId === undefined ? 'ok' : checkFile(fileId);
    if (file !== 'ok') found.push(`invalid slack file [json-pointer:/blocks/${i}/slack_file]`);
    if (found.length > (file === 'processing' ? 1 : 0)) processingOnly = false;
    problems.push(...found);
  });
  return { problems, processing: problems.length > 0 && processingOnly };
}

export function viewProblems(view: unknown, checkFile: FileCheck = () => 'ok'): string[] {
  if (typeof view !== 'object' || view === null) return ['view: missing'];
  const v = view as {
    type?: string;
    title?: { text?: string };
    submit?: { text?: string };
    close?: { text?: string };
    callback_id?: string;
    private_metadata?: string;
    blocks?: unknown;
  };
  const problems = [
    ...maxLength(v.title?.text, 24, 'view.title'),
    ...maxLength(v.submit?.text, 24, 'view.submit'),
    ...maxLength(v.close?.text, 24, 'view.close'),
    ...maxLength(v.callback_id, 255, 'view.callback_id'),
    ...maxLength(v.private_metadata, 3000, 'view.private_metadata'),
    ...blocksProblems(v.blocks ?? [], 100, checkFile).problems,
  ];
  if (v.type === 'modal' && !v.title?.text) problems.push('view.title: required for a modal');
  return problems;
}

function blockProblems(block: Element, path: string): string[] {
  const problems = [...maxLength(block.block_id, 255, `${path}.block_id`)];
  if (block.type === 'section') problems.push(...maxLength(textOf(block.text), 3000, `${path}.text`));
  if (block.type === 'actions' && (block.elements?.length ?? 0) > 25)
    problems.push(`${path}.elements: ${block.elements?.length} (max 25)`);
  if (block.type === 'image' && !block.image_url && !block.slack_file)
    problems.push(`${path}: an image block needs image_url or slack_file`);
  const elements = [
    ...(block.elements ?? []),
    ...(block.accessory ? [block.accessory] : []),
    ...(block.element ? [block.element] : []),
  ];
  elements.forEach((element, i) => problems.push(...elementProblems(element, `${path}.elements[${i}]`)));
  return problems;
}

function elementProblems(element: Element, path: string): string[] {
  const problems = [...maxLength(element.action_id, 255, `${path}.action_id`)];
  if (element.type === 'button') {
    problems.push(
      ...maxLength(textOf(element.text), 75, `${path}.text`),
      ...maxLength(element.value, 2000, `${path}.value`),
    );
  }
  return problems;
}

function textOf(text: Element['text']): string | undefined {
  return typeof text === 'string' ? text : text?.text;
}

function maxLength(value: string | undefined, max: number, path: string): string[] {
  return value !== undefined && value.length > max ? [`${path}: ${value.length} characters (max ${max})`] : [];
}

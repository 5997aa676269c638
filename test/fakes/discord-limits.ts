/**
 * Size limits Discord enforces on what a bot sends, so a message the real API would refuse with 50035
 * ("Invalid Form Body") is refused by the fake too. Each check returns readable problems; none means valid.
 */
import { ComponentType, MessageFlags } from 'discord-api-types/v10';

interface Component {
  type: number;
  custom_id?: string;
  label?: string;
  url?: string;
  style?: number;
  components?: Component[];
  component?: Component;
  accessory?: Component;
  value?: string;
}

const LINK_STYLE = 5;
const PREMIUM_STYLE = 6;

export function messageProblems(
  body: { content?: unknown; embeds?: unknown; components?: unknown; flags?: unknown },
  fileCount: number,
): string[] {
  const problems: string[] = [];
  const content = typeof body.content === 'string' ? body.content : '';
  const componentsV2 = ((Number(body.flags) || 0) & MessageFlags.IsComponentsV2) !== 0;
  if (content.length > 2000) problems.push(`content: ${content.length} characters (max 2000)`);
  if (Array.isArray(body.embeds) && body.embeds.length > 10) problems.push(`embeds: ${body.embeds.length} (max 10)`);
  if (fileCount > 10) problems.push(`files: ${fileCount} (max 10)`);
  const components = (Array.isArray(body.components) ? body.components : []) as Component[];
  if (componentsV2) {
    if (content) problems.push('content: not allowed with IS_COMPONENTS_V2');
    const total = countComponents(components);
    if (total > 40) problems.push(`components: ${total} in all (max 40 with IS_COMPONENTS_V2)`);
  } else if (components.length > 5) problems.push(`components: ${components.length} action rows (max 5)`);
  problems.push(...componentProblems(components, 'components'));
  const ids = allCustomIds(components);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) problems.push(`components: custom_id "${duplicate}" used twice in one message`);
  return problems;
}

export function modalProblems(data: { title?: unknown; custom_id?: unknown; components?: unknown }): string[] {
  const problems: string[] = [];
  const title = String(data.title ?? '');
  if (title.length < 1 || title.length > 45) problems.push(`title: ${title.length} characters (1–45)`);
  problems.push(...customIdProblems(data.custom_id, 'custom_id'));
  const components = (Array.isArray(data.components) ? data.components : []) as Component[];
  if (components.length < 1 || components.length > 5) problems.push(`components: ${components.length} (1–5)`);
  problems.push(...componentProblems(components, 'components'));
  return problems;
}

export function threadNameProblems(name: unknown): string[] {
  const length = String(name ?? '').length;
  return length >= 1 && length <= 100 ? [] : [`name: ${length} characters (1–100)`];
}

function componentProblems(components: Component[], path: string): string[] {
  return components.flatMap((c, i) => {
    const here = `${path}[${i}]`;
    const problems: string[] = [];
    if (c.type === ComponentType.ActionRow && (c.components?.length ?? 0) > 5)
      problems.push(`${here}: ${c.components?.length} components in a row (max 5)`);
    if (c.type === ComponentType.Button) {
      if ((c.label?.length ?? 0) > 80) problems.push(`${here}.label: ${c.label?.length} characters (max 80)`);
      const isLink = c.style === LINK_STYLE;
      if (isLink && !c.url) problems.push(`${here}: a link button needs a url`);
      if (!isLink && c.style !== PREMIUM_STYLE) problems.push(...customIdProblems(c.custom_id, `${here}.custom_id`));
    }
    if (c.type === ComponentType.TextInput && (c.value?.length ?? 0) > 4000)
      problems.push(`${here}.value: ${c.value?.length} characters (max 4000)`);
    return [...problems, ...componentProblems(children(c), `${here}.components`)];
  });
}

function customIdProblems(customId: unknown, path: string): string[] {
  const length = typeof customId === 'string' ? customId.length : 0;
  return length >= 1 && length <= 100 ? [] : [`${path}: ${length} characters (1–100)`];
}

function countComponents(components: Component[]): number {
  return components.reduce((n, c) => n + 1 + countComponents(children(c)), 0);
}

function allCustomIds(components: Component[]): string[] {
  return components.flatMap((c) => [...(c.custom_id === undefined ? [] : [c.custom_id]), ...allCustomIds(children(c))]);
}

/** Rows hold `components`, labels hold one `component`, sections an `accessory`. */
function children(c: Component): Component[] {
  return [...(c.components ?? []), ...(c.component ? [c.component] : []), ...(c.accessory ? [c.accessory] : [])];
}

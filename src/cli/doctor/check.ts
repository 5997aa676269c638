/**
 * `rfedit doctor`'s vocabulary: one line per check, ✓ or ✗, and for a failure the fix in plain words.
 * Each platform's checks live in their own module (discord.ts, slack.ts) and return a list of these.
 */
export interface DoctorCheck {
  /** What was checked, e.g. "Discord token is valid (bot rfedit#1234)". */
  label: string;
  ok: boolean;
  /** For a failure: what to do about it, e.g. "Enable Attach Files for the bot's role in #photos". */
  fix?: string;
  /** false for advice that does not stop the bot from working (printed, but doctor still exits 0). */
  required?: boolean;
}

/** A named group of checks, e.g. "Discord" or "Slack"; `skipped` says what to set when its tokens are absent. */
export interface DoctorSection {
  title: string;
  checks: DoctorCheck[];
  skipped?: string;
}

export function renderSection(section: DoctorSection): string[] {
  if (section.skipped) return [`${section.title}: skipped — ${section.skipped}`];
  const lines = [`${section.title}:`];
  for (const check of section.checks) {
    lines.push(`  ${check.ok ? '✓' : '✗'} ${check.label}`);
    if (!check.ok && check.fix) lines.push(`      → ${check.fix}`);
  }
  return lines;
}

/** Exit code 0 only when every required check passed. */
export function doctorExitCode(sections: DoctorSection[]): number {
  return sections.some((s) => s.checks.some((c) => !c.ok && c.required !== false)) ? 1 : 0;
}

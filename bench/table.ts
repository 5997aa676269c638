/** One figure of `npm run bench`. */
export interface BenchRow {
  section: string;
  name: string;
  value: number;
  unit: string;
  note?: string;
}

function formatValue(value: number): string {
  if (!Number.isFinite(value) || value === 0) return String(value);
  if (Math.abs(value) < 0.001) return value.toExponential(2);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}

/** A plain-text table grouped by section. */
export function formatTable(rows: BenchRow[]): string {
  const lines: string[] = [];
  const nameWidth = Math.max(...rows.map((r) => r.name.length));
  let section = '';
  for (const row of rows) {
    if (row.section !== section) {
      section = row.section;
      lines.push('', section, '-'.repeat(section.length));
    }
    const value = `${formatValue(row.value)} ${row.unit}`;
    lines.push(`${row.name.padEnd(nameWidth)}  ${value.padStart(14)}${row.note ? `   ${row.note}` : ''}`);
  }
  return lines.join('\n');
}

/** A table of text for the console: columns as wide as their widest cell, the first column left-aligned and the others right-aligned unless told otherwise. */
export function textTable(
  rows: readonly (readonly string[])[],
  align: 'first-left' | 'all-left' = 'first-left',
): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, column) =>
        align === 'all-left' || column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd(),
  );
}

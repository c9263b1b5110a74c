/**
 * Lays the demo's frame out on a terminal of a given size: every line cut to
 * the width (a wrapped row scrolls the frame and breaks the redraw), and the
 * frame cut to the height with the footer kept on screen.
 */

/** Cuts a line to `width` characters, marking the cut with an ellipsis. */
export function clip(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * Column widths that fit `width` with `gap` spaces between columns. Long
 * names give up characters first (the widest first, down to `comfortable`);
 * if that is not enough, columns in `dropOrder` are left out one by one; only
 * then are names cut further, down to `minWidth`.
 */
export function fitColumns(
  header: readonly string[],
  body: readonly (readonly string[])[],
  width: number,
  options: { shrinkable: readonly number[]; dropOrder: readonly number[]; comfortable?: number; minWidth?: number; gap?: number },
): { columns: number[]; widths: number[] } {
  const gap = options.gap ?? 2;
  const natural = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]?.length ?? 0)));
  const total = (cols: number[], widths: number[]) => cols.reduce((sum, c) => sum + widths[c]!, 0) + gap * (cols.length - 1);
  const shrunk = (cols: number[], floor: number) => {
    const widths = [...natural];
    while (total(cols, widths) > width) {
      const candidates = options.shrinkable.filter((c) => cols.includes(c) && widths[c]! > Math.max(floor, header[c]!.length));
      if (!candidates.length) break;
      const widest = candidates.reduce((a, b) => (widths[b]! > widths[a]! ? b : a));
      widths[widest]!--;
    }
    return widths;
  };
  let columns = header.map((_, i) => i);
  let widths = shrunk(columns, options.comfortable ?? 14);
  for (const drop of options.dropOrder) {
    if (total(columns, widths) <= width) return { columns, widths };
    columns = columns.filter((c) => c !== drop);
    widths = shrunk(columns, options.comfortable ?? 14);
  }
  if (total(columns, widths) > width) widths = shrunk(columns, options.minWidth ?? 6);
  return { columns, widths };
}

/** Renders a table in the fitted columns; cells longer than their column are clipped. */
export function renderColumns(header: readonly string[], body: readonly (readonly string[])[], width: number, options: Parameters<typeof fitColumns>[3]): string[] {
  const { columns, widths } = fitColumns(header, body, width, options);
  const line = (cells: readonly string[]) =>
    clip(
      columns
        .map((c) => clip(cells[c] ?? '', widths[c]!).padEnd(widths[c]!))
        .join(' '.repeat(options.gap ?? 2))
        .trimEnd(),
      width,
    );
  return [line(header), ...body.map(line)];
}

/** The frame: the top lines, as many table lines as fit, and the footer at the bottom; each line clipped. */
export function composeFrame(parts: { top: string[]; table: string[]; footer: string[] }, size: { columns: number; rows: number }): string[] {
  // One row spare: writing the last row's end would scroll some terminals.
  const rows = Math.max(1, size.rows - 1);
  const footer = parts.footer.slice(0, Math.max(0, rows - parts.top.length - 2));
  const room = Math.max(0, rows - parts.top.length - footer.length);
  const table = parts.table.slice(0, room);
  const filler = Array.from({ length: Math.max(0, room - table.length) }, () => '');
  // One column spare too: a row that fills the last column leaves the cursor waiting to wrap, and
  // tmux then marks the row as wrapped into the next one.
  const columns = Math.max(1, size.columns - 1);
  return [...parts.top, ...table, ...filler, ...footer].slice(0, rows).map((line) => clip(line, columns));
}

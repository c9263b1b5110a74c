/// <reference lib="dom" />
/** Numbers as people read them on the map and in the tables. */
export function bytes(value: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = value;
  let unit = 0;
  while (Math.abs(v) >= 1000 && unit < units.length - 1) {
    v /= 1000;
    unit++;
  }
  return `${v >= 100 || unit === 0 ? Math.round(v) : v.toFixed(1)} ${units[unit]}`;
}

export function rate(value: number, what = 'B'): string {
  return what === 'B' ? `${bytes(value)}/s` : `${value >= 10 ? Math.round(value) : value.toFixed(2)} ${what}/s`;
}

export function ms(value: number | null): string {
  return value === null ? '–' : value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`;
}

export function percent(value: number | null): string {
  return value === null ? '–' : `${(value * 100).toFixed(value < 0.01 ? 2 : 1)} %`;
}

export function time(msSinceEpoch: number): string {
  return new Date(msSinceEpoch).toISOString().slice(11, 19);
}

/** Text for innerHTML-free rendering: every value goes through textContent. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: (Node | string | null)[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== null) element.append(child);
  return element;
}

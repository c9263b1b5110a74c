/** Small helpers the benchmarks share for their figures. */
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** `value` to `digits` significant digits, for the JSON line. */
export const round = (value: number, digits = 4) => Number(value.toPrecision(digits));

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

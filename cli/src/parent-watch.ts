/**
 * Calls `onDeath` when the process that started us goes away (we get
 * re-parented), so a killed test run or terminal never leaves a stack behind.
 */
export function onParentDeath(onDeath: () => void, intervalMs = 500): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onDeath();
    }
  }, intervalMs);
  timer.unref();
}

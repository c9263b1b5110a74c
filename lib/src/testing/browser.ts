/**
 * Debian's chromium, headless, driven by playwright-core: the real browser
 * for page tests and benchmarks, never a downloaded browser build. Each
 * launch gets a fresh profile directory, removed on close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { until } from './until.js';

export const CHROMIUM = process.env.FLOWMESH_CHROMIUM ?? '/usr/bin/chromium';

export interface HeadlessBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(viewport = { width: 1400, height: 900 }): Promise<HeadlessBrowser> {
  // Loaded on use: playwright-core is a dev dependency, and the other testing helpers (the demo uses testKafka) must not need it.
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'flowmesh-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}


/**
 * Clicks where `locate` says an element is until `selector` shows: on a busy
 * machine a refresh may re-lay the map out between reading a position and the
 * click landing, so one click is not enough evidence that clicking fails.
 */
export async function clickUntilShown(page: Page, locate: () => Promise<{ x: number; y: number } | null>, selector: string, timeoutMs = 60_000): Promise<void> {
  const clickOnce = async () => {
    const where = await locate();
    if (!where) return { where, shown: false };
    await page.mouse.click(where.x, where.y);
    return { where, shown: await page.waitForSelector(selector, { timeout: 5_000 }).then(() => true, () => false) };
  };
  await until(clickOnce, (attempt) => attempt.shown, `${selector} to show after a click`, timeoutMs);
}

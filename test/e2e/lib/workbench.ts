// Drives a code-server workbench in Debian Chromium for browser journeys (vscode-rig.md §6).
//
//   const server = await startCodeServer({ folder, extensionsDir });
//   const wb = await openWorkbench(server.url, { screenshotDir });
//   try {
//     await wb.waitForWorkbench({ file: 'dvc.yaml' });
//     await wb.runCommand('MLOps: Show Pipeline');
//     await wb.waitForNotification(/Pipeline/);
//   } finally {
//     await wb.close();
//     await server.stop();
//   }
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, FrameLocator, Locator, Page } from 'playwright-core';

import { CHROMIUM_ARGS } from './code-server.ts';

export { CHROMIUM_ARGS, installVsix, linkExtension, startCodeServer } from './code-server.ts';
export type { CodeServer, StartOptions, Trust } from './code-server.ts';

/** Console errors every offline workbench produces; anything else is the journey's business. */
export const HARMLESS_CONSOLE_ERRORS: readonly RegExp[] = [
  /Failed to load resource: the server responded with a status of 404/,
  /net::ERR_NAME_NOT_RESOLVED/,
  /open-vsx\.org/,
  /Timed out waiting for authentication provider 'github'/,
  /Aborted onWillSaveTextDocument-event/,
];

export interface OpenOptions {
  /** Where screenshot(name) writes; default a temp dir. */
  screenshotDir?: string;
  viewport?: { width: number; height: number };
  /** Default CHROMIUM_PATH or /usr/bin/chromium. */
  executablePath?: string;
  /** Default timeout for waits, ms (default 60 s). */
  timeout?: number;
}

export interface Notification {
  message: string;
  source: string;
}

export interface Workbench {
  page: Page;
  context: BrowserContext;
  /** `.monaco-workbench`, the status bar, and (with `file`) that file's Explorer row. */
  waitForWorkbench(opts?: { file?: string; timeout?: number }): Promise<void>;
  /** Waits until an element an extension contributes is visible: the extension is active. */
  waitForContributed(selector: string, timeout?: number): Promise<Locator>;
  /** Runs a command by its palette title ("Category: Title"), retrying the palette race. */
  runCommand(title: string): Promise<void>;
  /** The visible notification toasts. */
  notifications(): Promise<Notification[]>;
  waitForNotification(match: string | RegExp, timeout?: number): Promise<Notification>;
  /** Clicks the activity-bar item whose aria-label starts with the prefix (unless already open). */
  openViewContainer(ariaLabelPrefix: string): Promise<void>;
  /** Rows of a view container's trees: `mlops` or `workbench.view.extension.mlops` or `workbench.view.explorer`. */
  treeRows(containerId: string): Locator;
  /** The content frame of a webview (two iframes deep); `index` picks among several. */
  webviewFrame(index?: number): FrameLocator;
  /** Full-page PNG, numbered in order of the journey's steps; returns its path. */
  screenshot(name: string): Promise<string>;
  /** Right-clicks a row and chooses a context-menu item (retrying: the menu can swallow the first click while it animates in). */
  contextMenu(row: Locator, label: string): Promise<void>;
  /** Runs one step; screenshots `<name>` after it, or `<name>-FAILED` before rethrowing. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Console errors and page errors, minus HARMLESS_CONSOLE_ERRORS. */
  consoleErrors(): string[];
  screenshotDir: string;
  close(): Promise<void>;
}

const PALETTE_ATTEMPTS = 4;
const PALETTE_WAIT_MS = 5_000;

export async function openWorkbench(url: string, opts: OpenOptions = {}): Promise<Workbench> {
  const timeout = opts.timeout ?? 60_000;
  const screenshotDir = path.resolve(opts.screenshotDir ?? mkdtempSync(path.join(os.tmpdir(), 'mlops-e2e-shots-')));
  mkdirSync(screenshotDir, { recursive: true });
  const profile = mkdtempSync(path.join(os.tmpdir(), 'mlops-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: opts.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: opts.viewport ?? { width: 1400, height: 900 },
    args: [...CHROMIUM_ARGS],
  });
  context.setDefaultTimeout(timeout);
  const page = context.pages()[0] ?? await context.newPage();

  const errors: string[] = [];
  const keep = (text: string) => { if (!HARMLESS_CONSOLE_ERRORS.some((re) => re.test(text))) errors.push(text); };
  page.on('console', (m) => { if (m.type() === 'error') keep(m.text()); });
  page.on('pageerror', (e) => keep(`pageerror: ${e.message}`));

  await page.goto(url, { waitUntil: 'domcontentloaded' });

  let shot = 0;
  const screenshot = async (name: string) => {
    const file = path.join(screenshotDir, `${String(++shot).padStart(2, '0')}-${name.replace(/[^\w.-]+/g, '_')}.png`);
    await page.screenshot({ path: file });
    return file;
  };

  const toasts = page.locator('.notifications-toasts .notification-toast');
  const readToast = async (toast: Locator): Promise<Notification> => ({
    message: (await toast.locator('.notification-list-item-message').innerText()).trim(),
    source: (await toast.locator('.notification-list-item-source').innerText().catch(() => '')).trim(),
  });
  const notifications = async () => {
    const out: Notification[] = [];
    for (const toast of await toasts.all()) {
      if (await toast.isVisible()) out.push(await readToast(toast));
    }
    return out;
  };

  const quickInput = page.locator('.quick-input-widget');
  const runCommand = async (title: string) => {
    // A palette opened before the extension registered its commands says "No matching commands"
    // and never refreshes (rig §6): close it and try again.
    for (let attempt = 1; attempt <= PALETTE_ATTEMPTS; attempt++) {
      if (await quickInput.isVisible()) await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      const input = quickInput.locator('input');
      await input.waitFor({ state: 'visible' });
      await input.fill(`>${title}`);
      const row = quickInput.locator('.quick-input-list .monaco-list-row').filter({
        has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }),
      }).first();
      try {
        await row.waitFor({ state: 'visible', timeout: PALETTE_WAIT_MS });
      } catch {
        if (process.env.MLOPS_TEST_VERBOSE === '1') console.warn(`[e2e] palette attempt ${attempt}: "${title}" not listed yet`);
        continue;
      }
      await row.click();
      await quickInput.waitFor({ state: 'hidden' }).catch(() => {});
      return;
    }
    await screenshot(`palette-no-${title}`).catch(() => '');
    throw new Error(`command "${title}" not in the palette after ${PALETTE_ATTEMPTS} attempts`);
  };

  const wb: Workbench = {
    page,
    context,
    screenshotDir,
    async waitForWorkbench(o = {}) {
      const t = o.timeout ?? timeout;
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: t });
      await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: t });
      if (o.file) {
        await page.locator('.explorer-folders-view .monaco-list-row', { hasText: o.file }).first().waitFor({ state: 'visible', timeout: t });
      }
    },
    async waitForContributed(selector, t = timeout) {
      const el = page.locator(selector).first();
      await el.waitFor({ state: 'visible', timeout: t });
      return el;
    },
    runCommand,
    notifications,
    async waitForNotification(match, t = timeout) {
      const toast = toasts.filter({ has: page.locator('.notification-list-item-message', { hasText: match }) }).first();
      await toast.waitFor({ state: 'visible', timeout: t });
      return readToast(toast);
    },
    async openViewContainer(prefix) {
      const item = page.locator(`.activitybar .action-item:has([aria-label^="${prefix.replace(/"/g, '\\"')}"])`).first();
      await item.waitFor({ state: 'visible' });
      if (!(await item.getAttribute('class'))?.split(/\s+/).includes('checked')) {
        await item.locator(`[aria-label^="${prefix.replace(/"/g, '\\"')}"]`).first().click();
      }
      await page.locator('.part.sidebar').waitFor({ state: 'visible' });
    },
    treeRows(containerId) {
      const id = containerId.startsWith('workbench.') ? containerId : `workbench.view.extension.${containerId}`;
      return page.locator(`[id="${id}"] .monaco-list-row`);
    },
    webviewFrame(index) {
      const outer = page.locator('iframe.webview.ready');
      const frame = index === undefined ? outer.last() : outer.nth(index);
      return frame.contentFrame().frameLocator('#active-frame');
    },
    screenshot,
    async contextMenu(row, label) {
      const item = page.locator('.context-view .action-menu-item', { hasText: label }).first();
      for (let attempt = 0; attempt < 3; attempt++) {
        await row.click({ button: 'right' });
        await item.waitFor({ state: 'visible' });
        await item.hover();
        await item.click();
        try {
          await item.waitFor({ state: 'hidden', timeout: 3_000 });
          return;
        } catch {
          // Choose it with the keyboard once highlighted; else close the menu and try again.
          await page.keyboard.press('Enter');
          if (await item.isHidden()) return;
          await page.keyboard.press('Escape');
        }
      }
      throw new Error(`context menu item "${label}" could not be chosen`);
    },
    async step(name, fn) {
      try {
        const result = await fn();
        await screenshot(name);
        return result;
      } catch (err) {
        await screenshot(`${name}-FAILED`).catch(() => '');
        throw err;
      }
    },
    consoleErrors: () => [...errors],
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
  return wb;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

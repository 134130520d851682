// UI-test harness: a real VS Code workbench (code-server) with Depth Lens loaded from this checkout
// (extensionDevelopmentPath), driven by Debian Chromium through playwright-core.
// Every helper waits for a condition in the DOM; none sleeps for a fixed time.
//
//   const wb = await Workbench.open();            // fixture workspace, extension from the repo root
//   await wb.openFile('small.network.json');
//   await wb.runCommand('Depth Lens: Open network overview');
//   await wb.webview().locator('table').waitFor();
//   await wb.screenshot('overview');                 // → test-output/ui/overview.png
//   await wb.close();
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, FrameLocator, Locator, Page } from 'playwright-core';
import { type CodeServer, launchChromium, repoRoot, startCodeServer } from '../../scripts/code-server.mjs';
import { scaled } from '../../scripts/slowness.mjs';

/**
 * A timeout tuned on an idle 2-core machine, multiplied by the measured slowness factor
 * (DEPTH_LENS_SLOWNESS, set by test/ui/run.mjs; scripts/slowness.mjs). Every explicit timeout in the
 * UI tests goes through it; the helpers here scale their own defaults.
 */
export { scaled };

export const FIXTURE_WORKSPACE = path.join(repoRoot, 'test', 'fixtures-workspace');
export const SCREENSHOT_DIR = path.join(repoRoot, 'test-output', 'ui');
/** Generous: the first workbench load on a 2-core machine parses ~15 MB of JavaScript. */
export const WORKBENCH_TIMEOUT_MS = scaled(90_000);
const STEP_TIMEOUT_MS = scaled(30_000);

export interface WorkbenchOptions {
  /** folder to open (a copy of it, made per run); default test/fixtures-workspace */
  workspace?: string;
  /** extension folder loaded as extensionDevelopmentPath; default the repository root; null = none */
  extensionPath?: string | null;
  /** runs once code-server listens, before the browser opens the workbench (e.g. install a .vsix) */
  beforeOpen?: (server: CodeServer) => void | Promise<void>;
  /** extra user settings */
  settings?: Record<string, unknown>;
  viewport?: { width: number; height: number };
}

/**
 * Shared mode (DEPTH_LENS_UI_SHARED=1: test/ui/run.mjs sets it for the files it runs together in one
 * process through test/ui/group.ts): one code-server and one Chromium serve every suite of the process
 * that loads the extension from the repository without a beforeOpen step. Each suite still gets its
 * own browser context (fresh storage and cache), its own folder with its own copy of the workspace,
 * its own user settings (written before its window opens) and its own extension host (a closed
 * window's ends after the server's reconnection grace time, SHARED_GRACE_S). Starting and stopping
 * code-server and Chromium was some 10 s of the 35 s a workbench took on a loaded 2-core machine.
 */
const shareWorkbench = () => process.env.DEPTH_LENS_UI_SHARED === '1';
const SHARED_GRACE_S = 10;
let shared: Promise<{ server: CodeServer; browser: Browser }> | undefined;
let sharedSuites = 0;

function sharedServerAndBrowser(): Promise<{ server: CodeServer; browser: Browser }> {
  shared ??= (async () => {
    const server = await startCodeServer({
      smokeTestDriver: true,
      args: ['--reconnection-grace-time', String(SHARED_GRACE_S)],
      echo: process.env.DEPTH_LENS_VERBOSE === '1',
    });
    try {
      return { server, browser: await launchChromium() };
    } catch (err) {
      await server.stop().catch(() => {});
      throw err;
    }
  })();
  return shared;
}

/** Ends the shared code-server and Chromium (test/ui/group.ts, after the last suite). */
export async function closeSharedWorkbench(): Promise<void> {
  const s = await shared?.catch(() => undefined);
  shared = undefined;
  if (!s) return;
  await s.browser.close().catch(() => {});
  await s.server.stop();
}

export class Workbench {
  private constructor(
    readonly server: CodeServer,
    readonly browser: Browser,
    readonly page: Page,
    /** console errors and page errors from the workbench, for failure messages */
    readonly browserErrors: string[],
    /** ends what this workbench started: its code-server and Chromium, or in shared mode its context */
    private readonly dispose: () => Promise<void>,
  ) {}

  /** Starts code-server + Chromium and resolves once the explorer shows the workspace. */
  static async open(options: WorkbenchOptions = {}): Promise<Workbench> {
    if (shareWorkbench() && options.extensionPath === undefined && !options.beforeOpen) return Workbench.openShared(options);
    const workspace = options.workspace ?? FIXTURE_WORKSPACE;
    const t0 = Date.now();
    // VS Code 1.139 honours the payload's extensionDevelopmentPath only with the smoke-test driver on
    const server = await startCodeServer({ settings: options.settings, smokeTestDriver: true, echo: process.env.DEPTH_LENS_VERBOSE === '1' });
    const tServer = Date.now();
    let browser: Browser | undefined;
    try {
      await options.beforeOpen?.(server);
      browser = await launchChromium();
      const tBrowser = Date.now();
      const page = await browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 900 } });
      // Playwright waits without an explicit timeout (30 s by default) scale too
      page.setDefaultTimeout(STEP_TIMEOUT_MS);
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
      const opened = browser;
      const workbench = new Workbench(server, browser, page, errors, async () => {
        await opened.close().catch(() => {});
        await server.stop();
      });
      // a copy, so tests that edit files never change the checked-in fixtures
      const folder = server.copyIntoRun(workspace);
      const extensionDevelopmentPath = options.extensionPath === null ? undefined : options.extensionPath ?? repoRoot;
      await page.goto(server.url({ folder, extensionDevelopmentPath }));
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: WORKBENCH_TIMEOUT_MS });
      const tShown = Date.now();
      // the explorer lists the workspace once the remote file system answered
      await page.getByRole('tree', { name: /Files Explorer/i }).getByRole('treeitem').first()
        .waitFor({ state: 'visible', timeout: WORKBENCH_TIMEOUT_MS });
      // where a UI run's time goes: starting workbenches vs the tests themselves
      const s = (a: number, b: number) => ((b - a) / 1000).toFixed(1);
      console.error(`[ui] workbench ready in ${s(t0, Date.now())} s (code-server ${s(t0, tServer)} s, Chromium ${s(tServer, tBrowser)} s, workbench shown ${s(tBrowser, tShown)} s, explorer ${s(tShown, Date.now())} s)`);
      return workbench;
    } catch (err) {
      await browser?.close().catch(() => {});
      await server.stop().catch(() => {});
      throw err;
    }
  }

  /**
   * Shared mode: a new browser context on the process's code-server, with this suite's settings and a
   * folder of its own (Workbench.server.baseDir is that folder, so copies and files stay per suite).
   */
  private static async openShared(options: WorkbenchOptions): Promise<Workbench> {
    const workspace = options.workspace ?? FIXTURE_WORKSPACE;
    const t0 = Date.now();
    const { server, browser } = await sharedServerAndBrowser();
    const tStarted = Date.now();
    const suiteDir = path.join(server.baseDir, 'suites', String(++sharedSuites));
    fs.mkdirSync(suiteDir, { recursive: true });
    const suiteServer: CodeServer = {
      ...server,
      baseDir: suiteDir,
      copyIntoRun: (folder: string) => {
        const copy = path.join(suiteDir, 'workspaces', path.basename(path.resolve(folder)));
        fs.cpSync(folder, copy, { recursive: true });
        return copy;
      },
      // the server outlives the suite (closeSharedWorkbench ends it)
      stop: async () => {},
    };
    server.writeUserSettings(options.settings);
    let context: BrowserContext | undefined;
    try {
      context = await browser.newContext({ viewport: options.viewport ?? { width: 1400, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(STEP_TIMEOUT_MS);
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
      const ctx = context;
      const workbench = new Workbench(suiteServer, browser, page, errors, async () => { await ctx.close().catch(() => {}); });
      const folder = suiteServer.copyIntoRun(workspace);
      await page.goto(server.url({ folder, extensionDevelopmentPath: repoRoot }));
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: WORKBENCH_TIMEOUT_MS });
      // the shared server may serve the previous suite's settings file until its watcher sees this
      // suite's: the workbench can start in the last suite's theme and switch a moment later
      const theme = options.settings?.['workbench.colorTheme'];
      if (typeof theme === 'string') await waitForTheme(page, theme);
      const tShown = Date.now();
      await page.getByRole('tree', { name: /Files Explorer/i }).getByRole('treeitem').first()
        .waitFor({ state: 'visible', timeout: WORKBENCH_TIMEOUT_MS });
      const s = (a: number, b: number) => ((b - a) / 1000).toFixed(1);
      console.error(`[ui] workbench ready in ${s(t0, Date.now())} s (shared code-server and Chromium ${s(t0, tStarted)} s, workbench shown ${s(tStarted, tShown)} s, explorer ${s(tShown, Date.now())} s)`);
      return workbench;
    } catch (err) {
      await context?.close().catch(() => {});
      throw err;
    }
  }

  /** The explorer's row for a file or folder name at the workspace's top level (or expanded). */
  explorerItem(name: string): Locator {
    return this.page.getByRole('tree', { name: /Files Explorer/i }).getByRole('treeitem', { name, exact: true });
  }

  /** Expands an explorer folder unless it is open already (a click on an open folder closes it). */
  async expandFolder(name: string): Promise<void> {
    const folder = this.explorerItem(name);
    await folder.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    if (await folder.getAttribute('aria-expanded') !== 'true') await folder.click();
  }

  /**
   * "Open With… → `editor`" from the explorer's context menu on `file` (inside the already expanded
   * folders). The choices list the extension's editors only once its contributions are registered,
   * and the quick pick can close under the mouse when something takes focus, so the menu is reopened
   * until the editor is listed; the choice is typed into the quick pick's filter and taken with Enter
   * (no click on a row a re-render may move). A timeout says what the quick pick showed each time.
   */
  async openWith(file: string, editor: string, timeoutMs = scaled(120_000)): Promise<void> {
    const item = this.explorerItem(file);
    await item.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    const quickInput = this.page.locator('.quick-input-widget');
    const rows = quickInput.locator('.monaco-list-row');
    const seen: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await item.click({ button: 'right' });
      const openWith = this.page.locator('.context-view .action-label', { hasText: /^Open With\.\.\.$|^Open With…$/ }).first();
      const opened = await openWith.click({ timeout: scaled(10_000) }).then(() => true, () => false);
      // a click that lands as the menu settles can leave it open with the item only highlighted
      // (seen under load, try after try): the highlighted item is the focused one, so Enter takes it
      if (opened && !await quickInput.waitFor({ state: 'visible', timeout: 1000 }).then(() => true, () => false) && await openWith.isVisible().catch(() => false)) {
        await this.page.keyboard.press('Enter');
      }
      const listed = opened && await rows.filter({ hasText: editor }).first()
        .waitFor({ state: 'visible', timeout: scaled(5_000) }).then(() => true, () => false);
      if (listed) {
        const input = quickInput.locator('input');
        if (await input.fill(editor, { timeout: scaled(5_000) }).then(() => true, () => false)) {
          await input.press('Enter');
          await quickInput.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
          return;
        }
      }
      const shown = !opened ? '(no "Open With…" in the context menu)'
        : (await rows.allInnerTexts().catch(() => [] as string[])).map((t) => t.replace(/\s+/g, ' ').trim()).join(' | ') || '(the quick pick closed or is empty)';
      if (seen[seen.length - 1] !== shown) seen.push(shown);
      await this.page.keyboard.press('Escape');
      if (Date.now() > deadline) {
        throw new Error(`"${editor}" not among the "Open With…" editors of ${file} after ${timeoutMs} ms; the quick pick showed: ${seen.join(' ‖ ')}; browser errors: ${this.browserErrors.slice(-5).join(' ‖ ') || 'none'}`);
      }
    }
  }

  /** Opens a file from the explorer and waits until its editor is the active one. */
  async openFile(name: string): Promise<Locator> {
    const item = this.explorerItem(name);
    await item.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    // a double click pins the editor instead of opening it in preview mode
    await item.dblclick();
    const tab = this.page.locator('.tabs-container .tab.active', { hasText: name });
    await tab.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    const editor = this.activeEditor();
    await editor.locator('.view-lines').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    return editor;
  }

  /** The active text editor's Monaco element. */
  activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor').first();
  }

  /**
   * The code lenses rendered in the active editor, one text per lens (lenses on one line share a
   * decoration and are separated by " | " spans, which are left out), once at least `min` are shown.
   */
  async codeLenses(min = 1): Promise<string[]> {
    const decorations = this.activeEditor().locator('.contentWidgets .codelens-decoration');
    const read = () => decorations.evaluateAll((nodes) => nodes.flatMap((node) => Array.from(node.children)
      .map((child) => (child.textContent ?? '').replace(/\u00a0/g, ' ').trim())
      .filter((text) => text.length > 0 && text !== '|')));
    return waitFor(`${min} code lens(es)`, async () => {
      const texts = await read();
      return texts.length >= min ? texts : undefined;
    });
  }

  /** Clicks the code lens whose text is `text` (a lens with a command renders as a link). */
  async clickCodeLens(text: string): Promise<void> {
    await this.activeEditor().locator('.contentWidgets .codelens-decoration a', { hasText: text }).first()
      .click({ timeout: STEP_TIMEOUT_MS });
  }

  /** Runs a command by its palette title ("Category: Title") through F1. */
  async runCommand(title: string, timeoutMs = scaled(120_000)): Promise<void> {
    const quickInput = this.page.locator('.quick-input-widget');
    const input = quickInput.locator('input');
    const rows = quickInput.locator('.monaco-list-row');
    const deadline = Date.now() + timeoutMs;
    // An open palette does not refresh when the extension registers its commands a moment later
    // (activation runs after the workbench shows), so reopen it until the command is listed first.
    // The palette can also close again under the keyboard (focus taken by a notification or a panel
    // that finished loading: seen as "element is inert", then "not visible"), so a fill that does not
    // take is retried with a freshly opened palette rather than waited on.
    for (;;) {
      await this.page.keyboard.press('F1');
      const typed = await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS })
        .then(() => input.fill(`>${title}`, { timeout: scaled(5_000) }))
        .then(() => true, () => false);
      const listed = typed && await rows.first().filter({ hasText: title })
        .waitFor({ state: 'visible', timeout: scaled(5_000) }).then(() => true, () => false);
      if (listed) break;
      const shown = typed ? (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()) : ['(the palette closed before the title was typed)'];
      await this.page.keyboard.press('Escape');
      if (Date.now() > deadline) {
        throw new Error(`command "${title}" is not the first palette entry after ${timeoutMs} ms; the palette shows: ${shown.length > 0 ? shown.join(' | ') : '(no entries)'}`);
      }
    }
    await input.press('Enter');
    await quickInput.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
  }

  /**
   * The document inside the active webview panel. VS Code nests it: an outer iframe (marked `ready`
   * once loaded) hosts the extension's HTML in iframe#active-frame.
   */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  }

  /** Saves a PNG of the whole window to test-output/ui/NAME.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    if (!/^[\w.-]+$/.test(name)) throw new RangeError(`screenshot name must be a plain file name, got ${JSON.stringify(name)}`);
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = path.join(SCREENSHOT_DIR, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  async close(): Promise<void> {
    const t0 = Date.now();
    await this.dispose();
    console.error(`[ui] workbench closed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}

/** Polls `condition` until it returns a truthy value (no fixed sleeps). */
/**
 * Waits until the workbench shows the theme `name` (its kind's class on .monaco-workbench: vs,
 * vs-dark, hc-light, hc-black), reloading once if the settings change never reaches the page.
 */
async function waitForTheme(page: Page, name: string): Promise<void> {
  const kind = /high contrast light/i.test(name) ? 'hc-light' : /high contrast/i.test(name) ? 'hc-black' : /light/i.test(name) ? 'vs' : 'vs-dark';
  const themed = page.locator(`.monaco-workbench.${kind}`);
  const seen = () => themed.waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS }).then(() => true, () => false);
  if (await seen()) return;
  await page.reload();
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: WORKBENCH_TIMEOUT_MS });
  // not fatal: a suite that depends on the theme asserts it (the webview's theme kind) itself
  if (!(await seen())) console.error(`[ui] the workbench did not take the theme "${name}" (.monaco-workbench.${kind}) after a reload`);
}

export async function waitFor<T>(what: string, condition: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = STEP_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Types into a panel text field (the <input> inside a vscode-textfield's shadow root) and commits it. */
export async function setField(view: FrameLocator, testId: string, value: string): Promise<void> {
  const input = view.locator(`[data-testid=${testId}] input`);
  await input.fill(value);
  await input.press('Tab');
}

/** Pixels of a canvas not in the editor background colour (the filled, active ones of a pattern tile). */
export async function filledPixels(canvas: Locator): Promise<number> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const probe = document.createElement('div');
    probe.style.color = getComputedStyle(document.body).getPropertyValue('--vscode-editor-background');
    document.body.append(probe);
    const bg = getComputedStyle(probe).color.match(/\d+/g)!.map(Number);
    probe.remove();
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - bg[0]) + Math.abs(d[i + 1] - bg[1]) + Math.abs(d[i + 2] - bg[2]) > 6) n++;
    return n;
  });
}

/**
 * Pixels of a canvas by opacity: `drawn` = any alpha (a plot with axes and curves has thousands),
 * `translucent` = alpha in [20, 90] (the fill of a ±sd band).
 */
export async function canvasPixels(canvas: Locator): Promise<{ drawn: number; translucent: number }> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d');
    if (!ctx || c.width === 0 || c.height === 0) return { drawn: 0, translucent: 0 };
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let drawn = 0, translucent = 0;
    for (let i = 3; i < d.length; i += 4) {
      if (d[i] > 0) drawn++;
      if (d[i] >= 20 && d[i] <= 90) translucent++;
    }
    return { drawn, translucent };
  });
}

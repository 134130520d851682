// Types for scripts/code-server.mjs (plain JS so scripts run without a build step; TS callers such as
// test/ui/harness.ts import it through these declarations).
import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';

export declare const repoRoot: string;
export declare const CHROMIUM_PATH: string;
export declare const CHROMIUM_ARGS: readonly string[];
export declare const DEFAULT_USER_SETTINGS: Readonly<Record<string, unknown>>;

export interface CodeServerInstall {
  version: string;
  /** the node binary code-server runs on */
  node: string;
  /** code-server's out/node/entry.js */
  entry: string;
}

export interface WorkbenchUrlOptions {
  folder?: string;
  extensionDevelopmentPath?: string;
  extensionTestsPath?: string;
}

export interface StartCodeServerOptions {
  workspace?: string;
  port?: number;
  host?: string;
  smokeTestDriver?: boolean;
  settings?: Record<string, unknown>;
  echo?: boolean;
  startTimeoutMs?: number;
  env?: Record<string, string>;
  keepFiles?: boolean;
  /** extra code-server arguments */
  args?: string[];
}

export interface CodeServer {
  host: string;
  port: number;
  version: string;
  /** per-run folder holding HOME, XDG_*, TMPDIR, user data and extensions */
  baseDir: string;
  pid: number;
  process: ChildProcess;
  output(): string;
  url(options?: WorkbenchUrlOptions): string;
  /** copies `folder` into the run folder and returns the copy's path (fixtures stay untouched) */
  copyIntoRun(folder: string): string;
  /** replaces the extra user settings; windows opened afterwards start with them */
  writeUserSettings(settings?: Record<string, unknown>): void;
  stop(): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export declare function readInstall(): CodeServerInstall;
export declare function freePort(): Promise<number>;
export declare function workbenchUrl(server: { host: string; port: number }, options?: WorkbenchUrlOptions): string;
export declare function startCodeServer(options?: StartCodeServerOptions): Promise<CodeServer>;
export declare function launchChromium(options?: { headless?: boolean }): Promise<Browser>;

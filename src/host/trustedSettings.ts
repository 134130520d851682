/**
 * Which value of a limit setting counts (issue 17, item 7), without `vscode` so unit tests can run it.
 * A repository's own .vscode/settings.json must not raise a size or work limit in a workspace the
 * user has not trusted: there only the user's (global) value or the default counts, as VS Code does
 * for the settings package.json lists under restrictedConfigurations. Every value is clamped to the
 * setting's range, so a typo or a hostile 1e308 cannot switch a limit off.
 */

import { DEFAULT_MAX_FILE_SIZE_MB } from '../core/network/limits';

/** What WorkspaceConfiguration.inspect() returns (the parts we read). */
export interface InspectedSetting {
  readonly defaultValue?: unknown;
  readonly globalValue?: unknown;
  readonly workspaceValue?: unknown;
  readonly workspaceFolderValue?: unknown;
}

/** A limit setting: its default and its allowed range (package.json declares the same minimum and maximum). */
export interface LimitSpec {
  readonly fallback: number;
  readonly min: number;
  readonly max: number;
}

export const LIMIT_SETTINGS = {
  maxFileSizeMB: { fallback: DEFAULT_MAX_FILE_SIZE_MB, min: 1, max: 1024 },
  'analysis.maxWork': { fallback: 1e11, min: 1e6, max: 1e14 },
  'analysis.maxMemoryMB': { fallback: 1024, min: 16, max: 65536 },
} as const satisfies Record<string, LimitSpec>;

function usable(v: unknown): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
}

/**
 * The value of a limit: in a trusted workspace the most specific one (folder, workspace, user,
 * default), in an untrusted one the user's or the default; non-numbers fall back; clamped to [min, max].
 */
export function effectiveLimit(inspected: InspectedSetting | undefined, trusted: boolean, spec: LimitSpec): number {
  const candidates = trusted
    ? [inspected?.workspaceFolderValue, inspected?.workspaceValue, inspected?.globalValue, inspected?.defaultValue]
    : [inspected?.globalValue, inspected?.defaultValue];
  const v = candidates.find((c) => c !== undefined);
  if (!usable(v)) return spec.fallback;
  return Math.min(spec.max, Math.max(spec.min, v));
}

/**
 * Limit settings in trusted and untrusted workspaces (src/host/trustedSettings.ts, read by config.ts;
 * issue 17 item 7), and package.json declares the same: restrictedConfigurations, minimum and maximum.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import packageJson from '../../package.json';
import { effectiveLimit, LIMIT_SETTINGS } from '../../src/host/trustedSettings';

const size = LIMIT_SETTINGS.maxFileSizeMB;

test('an untrusted workspace cannot raise a limit: only the user value or the default counts', () => {
  const inspected = { defaultValue: 64, globalValue: 100, workspaceValue: 1000, workspaceFolderValue: 900 };
  assert.equal(effectiveLimit(inspected, true, size), 900);
  assert.equal(effectiveLimit(inspected, false, size), 100);
  assert.equal(effectiveLimit({ defaultValue: 64, workspaceValue: 1000 }, false, size), 64);
  assert.equal(effectiveLimit({ defaultValue: 64, workspaceValue: 1000 }, true, size), 1000);
  assert.equal(effectiveLimit(undefined, false, size), 64);
});

test('values are clamped to the setting\'s range; non-numbers fall back to the default', () => {
  assert.equal(effectiveLimit({ globalValue: 1e308 }, true, size), 1024);
  assert.equal(effectiveLimit({ globalValue: Infinity }, true, size), 1024);
  assert.equal(effectiveLimit({ globalValue: -5 }, true, size), 1);
  assert.equal(effectiveLimit({ globalValue: 0 }, true, size), 1);
  assert.equal(effectiveLimit({ globalValue: NaN }, true, size), 64);
  assert.equal(effectiveLimit({ globalValue: '9999' }, true, size), 64);
  assert.equal(effectiveLimit({ workspaceValue: null, globalValue: 10 }, true, size), 64);
});

test('package.json: limited support in untrusted workspaces, the limit settings restricted, with the same range', () => {
  const caps = packageJson.capabilities.untrustedWorkspaces;
  assert.equal(caps.supported, 'limited');
  assert.deepEqual([...caps.restrictedConfigurations].sort(), ['depthLens.analysis.maxMemoryMB', 'depthLens.analysis.maxWork', 'depthLens.maxFileSizeMB']);
  const props = Object.assign({}, ...packageJson.contributes.configuration.map((c: { properties: object }) => c.properties)) as Record<string, { default?: number; minimum?: number; maximum?: number }>;
  for (const [key, spec] of Object.entries(LIMIT_SETTINGS)) {
    const s = props[`depthLens.${key}`];
    assert.deepEqual([s.default, s.minimum, s.maximum], [spec.fallback, spec.min, spec.max], key);
  }
});

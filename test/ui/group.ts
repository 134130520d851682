// Several UI test files in one process, so their suites share one code-server and one Chromium
// (test/ui/harness.ts, shared mode; each suite still gets its own browser context, workspace copy,
// settings and extension host). test/ui/run.mjs runs this file with DEPTH_LENS_UI_GROUP = the files,
// comma-separated, relative to the repository root; their suites run one after another, in that order.
import { after } from 'node:test';
import * as path from 'node:path';
import { repoRoot } from '../../scripts/code-server.mjs';
import { closeSharedWorkbench } from './harness';

process.env.DEPTH_LENS_UI_SHARED = '1';
for (const file of (process.env.DEPTH_LENS_UI_GROUP ?? '').split(',').filter(Boolean)) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.resolve(repoRoot, file));
}
// the root's after hook: once every suite of every file has finished
after(closeSharedWorkbench);

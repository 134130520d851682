// Restricted Mode (issue 17, item 7): a repository's own .vscode/settings.json must not lift Depth
// Lens's size and work limits for whoever opens it. run-code-server.mjs --untrusted opens
// test/fixtures-untrusted with workspace trust on and no prompt, so the folder stays untrusted; the
// user settings there set maxWork 1e6 and maxFileSizeMB 1, the folder's own settings ask for the
// maxima. index.ts loads this file only in that run (DEPTH_LENS_INTEGRATION_MODE=untrusted).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { codeLensTitles, depthLensDiagnostics, fixture, waitFor } from './helpers';

describe('untrusted workspace (Restricted Mode)', () => {
  it('VS Code opened the folder untrusted and withholds the limits its settings ask for (restrictedConfigurations)', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    // the repository does ask for the maxima…
    const own = new TextDecoder().decode(await vscode.workspace.fs.readFile(fixture('.vscode/settings.json')));
    assert.match(own, /"depthLens\.analysis\.maxWork": 100000000000000,/);
    assert.match(own, /"depthLens\.maxFileSizeMB": 1024/);
    // …and VS Code does not hand them to the extension, because package.json lists them under
    // capabilities.untrustedWorkspaces.restrictedConfigurations (config.ts's effectiveLimit also
    // ignores workspace values when untrusted, for hosts that would pass them on)
    const settings = vscode.workspace.getConfiguration('depthLens');
    assert.equal(settings.inspect('analysis.maxWork')?.workspaceValue, undefined);
    assert.equal(settings.inspect('maxFileSizeMB')?.workspaceValue, undefined);
    assert.equal(settings.inspect('analysis.maxWork')?.globalValue, 1e6);
    assert.equal(settings.inspect('maxFileSizeMB')?.globalValue, 1);
  });

  it("the user's maxWork counts, not the folder's: the convergence lens refuses a 2.0e6 run", async () => {
    const uri = fixture('budget.network.json');
    await vscode.workspace.openTextDocument(uri);
    const refused = await waitFor('the budget lens', async () => (await codeLensTitles(uri)).find((t) => t.startsWith('Convergence not analysed')), 60_000);
    // with the folder's 1e14 the run would go ahead (convergence.test.ts runs it at the default 1e11)
    assert.equal(refused, 'Convergence not analysed: needs about 2.0e6 multiply-adds, above depthLens.analysis.maxWork (1.0e6)');
  });

  it("the user's maxFileSizeMB counts, not the folder's: a 1.5 MB file is refused at 1 MB", async () => {
    const uri = fixture('large.network.json');
    const padded = { format: 'depth-lens/network@1', description: 'x'.repeat(1536 * 1024), input: { dim: 2 }, layers: [{ type: 'dense', weights: [[1, 2], [3, 4]], bias: [0.5, -1], activation: 'relu' }] };
    const text = JSON.stringify(padded);
    // the run's copy of the fixture folder, never the checked-in one (run-code-server.mjs)
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    await vscode.workspace.openTextDocument(uri);
    const [d] = await depthLensDiagnostics(uri, (ds) => ds.some((x) => x.code === 'file-too-large' || (typeof x.code === 'object' && x.code.value === 'file-too-large')));
    assert.equal(d.message, `large.network.json is 1.5 MB, above the limit of 1.0 MB; raise the setting depthLens.maxFileSizeMB (CLI: --max-size-mb), or store the weights in an external binary file`);
  });
});

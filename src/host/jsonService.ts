/**
 * VS Code's JSON language service validates every .json document and reports JSON syntax errors
 * itself: Depth Lens's own json-syntax finding at the same place would put the same problem twice in
 * Problems (issue 15, item 4). The editor schema allows comments and trailing commas, so the JSON
 * service stays quiet about those (and about an empty file): those findings are Depth Lens's alone and
 * stay. The CLI and the panels keep every finding; this only decides what the editor shows.
 * Without `vscode`, so unit tests can run it.
 */
import type { WireDiagnostic } from '../shared/analyses/overview';

const OURS_ALONE = /comments are not allowed|trailing commas are not allowed|the document is empty/;

/**
 * A finding VS Code's JSON service reports too, at the same place, when it validates the document.
 * A blank document gets no report from it, so every finding there stays ours.
 */
export function reportedByJsonService(d: WireDiagnostic, documentIsBlank: boolean): boolean {
  return !documentIsBlank && d.code === 'json-syntax' && !OURS_ALONE.test(d.message);
}

/** Does the JSON service validate this document? (its language is JSON and json.validate.enable is on) */
export function jsonServiceValidates(languageId: string, validateEnabled: boolean | undefined): boolean {
  return (languageId === 'json' || languageId === 'jsonc') && validateEnabled !== false;
}

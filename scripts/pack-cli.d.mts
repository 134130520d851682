// Types for scripts/pack-cli.mjs (TS callers such as test/unit/cli-package.test.ts import it through these).
/** the files of the CLI package, from the repository root */
export declare const CLI_FILES: readonly string[];
/** the CLI package's manifest, from the extension's package.json */
export declare function cliManifest(pkg: Record<string, unknown>): Record<string, unknown>;
/** stages the CLI package and runs `npm pack`; returns the tarball's path (in outDir) */
export declare function packCli(options?: { outDir?: string; npm?: string }): string;

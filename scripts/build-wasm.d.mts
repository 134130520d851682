// Types for scripts/build-wasm.mjs (plain JS so esbuild.mjs runs it without a build step; the unit
// test that checks the committed .wasm.ts files imports it through these declarations).
export declare const kernelsDir: string;
/** The binary of one .wat source. */
export declare function compileWat(fileName: string, text: string): Promise<Uint8Array>;
/** The TypeScript module committed beside `<name>.wat`. */
export declare function generatedModule(watName: string, bytes: Uint8Array): string;
/** Regenerates every stale .wasm.ts under `dir`; returns the paths written. */
export declare function buildWasm(dir?: string): Promise<string[]>;

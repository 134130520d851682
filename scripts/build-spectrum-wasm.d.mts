// Types for scripts/build-spectrum-wasm.mjs (the unit test that checks the committed .wasm.ts imports it).
export declare const spectrumDir: string;
/** The committed module text for one .wat source. */
export declare function spectrumModule(watName: string, text: string): Promise<string>;
/** Regenerates every stale src/core/spectrum/*.wasm.ts; returns the paths written. */
export declare function buildSpectrumWasm(): Promise<string[]>;

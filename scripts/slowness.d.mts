// Types for scripts/slowness.mjs (TS callers such as test/ui/harness.ts import it through these).
export declare const REFERENCE_MS: { readonly cpuLoop: number; readonly nodeStartup: number };
export declare const MIN_FACTOR: number;
export declare const MAX_FACTOR: number;
export declare function measureSlowness(): { factor: number; cpuMs: number; startupMs: number };
export declare function slownessFactor(options?: { log?: (message: string) => void }): number;
export declare function scaled(ms: number): number;

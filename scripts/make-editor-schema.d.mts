// Types for scripts/make-editor-schema.mjs (TS callers such as test/unit/editor-schema.test.ts import it through these).
export declare const SPEC_PATH: string;
export declare const EDITOR_PATH: string;
/** the assertion-free editor schema of one (sub)schema */
export declare function weaken(schema: unknown, where?: string): unknown;
/** the editor schema of the specification (the parsed network.schema.json) */
export declare function editorSchema(spec: Record<string, unknown>): Record<string, unknown>;
/** the editor schema file's text for the specification's text (default: the committed specification) */
export declare function editorSchemaText(specText?: string): string;

// The parts of scripts/build-docs.mjs that TypeScript callers (the dev test) use.
export function buildDocs(only?: string[], options?: { warm?: boolean; outDir?: string }): Promise<string[]>;
/** Redocly CLI's own build-docs handler, or null where this CLI release keeps it elsewhere. */
export function cliHandler(): Promise<{ handler: (args: unknown) => Promise<void>; loadConfig: unknown } | null>;

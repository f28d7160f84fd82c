/** Replaces the package's generated/ by a copy of the repository's top-level generated/. */
export function copyGenerated(): void;

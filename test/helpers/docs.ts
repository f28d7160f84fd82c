import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import YAML from 'yaml';
import { packageRoot } from '../../src/paths.js';

/** An operation of a bundled spec, with the code samples the docs decorator gave it. */
export interface DocumentedOperation {
  api: string;
  path: string;
  method: string;
  operationId: string;
  summary: string;
  tags: string[];
  /** The status its samples must get: the lowest 2xx it documents. */
  successStatus: number;
  pathParams: { name: string; hasExample: boolean }[];
  samples: { lang: string; label: string; source: string }[];
}

export interface DocumentedApi {
  name: string;
  spec: Record<string, any>; // a parsed bundle
  /** The base URL the samples call (the decorator's option in redocly.yaml), which a reader replaces. */
  sampleBaseUrl: string;
  operations: DocumentedOperation[];
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

/** Every API of redocly.yaml that has code samples, read from its bundle. */
export function documentedApis(): DocumentedApi[] {
  type ApiConfig = { root: string; 'x-openapi-ts': { output: string }; decorators?: Record<string, { baseUrl: string }> };
  const config = YAML.parse(readFileSync(join(packageRoot, 'redocly.yaml'), 'utf8')) as { apis: Record<string, ApiConfig> };
  return Object.entries(config.apis).flatMap(([name, api]) => {
    const options = api.decorators?.['docs/code-samples'];
    if (!options) return [];
    // `npm run generate` writes the bundle beside the API's types.
    const bundle = join(packageRoot, dirname(api['x-openapi-ts'].output), basename(api.root).replace(/\.ya?ml$/, '.json'));
    const spec = JSON.parse(readFileSync(bundle, 'utf8'));
    const operations: DocumentedOperation[] = [];
    for (const [path, item] of Object.entries<Record<string, any>>(spec.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => (p.$ref ? pointer(spec, p.$ref) : p));
        operations.push({
          api: name,
          path,
          method,
          operationId: op.operationId,
          summary: op.summary,
          tags: op.tags ?? [],
          successStatus: Math.min(...Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s)).map(Number)),
          pathParams: params.filter((p) => p.in === 'path').map((p) => ({ name: p.name, hasExample: p.example !== undefined || p.examples !== undefined || p.schema?.example !== undefined })),
          samples: op['x-codeSamples'] ?? [],
        });
      }
    }
    return [{ name, spec, sampleBaseUrl: options.baseUrl, operations }];
  });
}

function pointer(root: unknown, ref: string): any {
  return ref
    .slice(2)
    .split('/')
    .reduce((node: any, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], root);
}

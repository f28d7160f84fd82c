// Redocly plugin: a decorator that gives every operation `x-codeSamples` (curl and TypeScript
// with the typed client) built from the spec's own named examples when the spec is bundled, so
// the samples in the docs follow the contract instead of being written by hand per operation.
// test/docs/samples.test.ts runs every one of them against a freshly seeded reference server.
//
// Options (per API in redocly.yaml): `baseUrl` the samples call, `clientPackage` and
// `clientFactory` the TypeScript sample imports, `clientName` its variable, `tokenVariable`
// the environment variable holding the API token.

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

function CodeSamples({ baseUrl, clientPackage, clientFactory, clientName = 'api', tokenVariable = 'API_TOKEN' }) {
  if (!baseUrl || !clientPackage || !clientFactory) throw new Error('docs/code-samples needs baseUrl, clientPackage and clientFactory');
  return {
    Root: {
      // On leave the bundle is complete: path items are inline, every $ref is internal.
      leave(root) {
        const resolve = (node) => (node && typeof node.$ref === 'string' ? resolve(pointer(root, node.$ref)) : node);
        for (const [path, rawItem] of Object.entries(root.paths ?? {})) {
          const item = resolve(rawItem);
          for (const method of METHODS) {
            const operation = item[method];
            if (!operation) continue;
            const request = describeRequest({ root, path, item, method, operation, resolve });
            const options = { baseUrl, clientPackage, clientFactory, clientName, tokenVariable };
            operation['x-codeSamples'] = [
              { lang: 'Shell', label: 'curl', source: curlSample(request, options) },
              { lang: 'TypeScript', label: 'TypeScript', source: typescriptSample(request, options) },
            ];
          }
        }
      },
    },
  };
}

/** What a sample sends, from the operation's parameters and its first named request example. */
function describeRequest({ root, path, item, method, operation, resolve }) {
  const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map(resolve);
  const pathParams = [];
  const query = [];
  for (const p of parameters) {
    const value = parameterExample(p, resolve);
    if (p.in === 'path') {
      const numeric = ['integer', 'number'].includes(resolve(p.schema)?.type);
      pathParams.push({ name: p.name, value, numeric, creator: value === undefined ? creatorOf(root, path) : undefined });
    }
    else if (p.in === 'query' && value !== undefined) query.push({ name: p.name, value, json: Boolean(p.content) });
  }
  const media = resolve(operation.requestBody)?.content?.['application/json'];
  const firstExample = media?.examples ? resolve(Object.values(media.examples)[0]) : undefined;
  const body = firstExample ? firstExample.value : media?.example;
  const security = operation.security ?? root.security ?? [];
  return { path, method, pathParams, query, body, authenticated: security.some((s) => Object.keys(s).length > 0) };
}

function parameterExample(p, resolve) {
  if (p.example !== undefined) return p.example;
  if (p.examples) return resolve(Object.values(p.examples)[0])?.value;
  const media = p.content && Object.values(p.content)[0];
  if (media?.example !== undefined) return media.example;
  if (media?.examples) return resolve(Object.values(media.examples)[0])?.value;
  return resolve(p.schema)?.example;
}

/** For an ID with no example: the operation that creates one (POST on the parent path), or else lists them (GET), named in the sample. */
function creatorOf(root, path) {
  const parent = path.replace(/\/\{[^}]+\}$/, '');
  if (root.paths?.[parent]?.post?.operationId) return `POST ${parent}`;
  return root.paths?.[parent]?.get?.operationId ? `GET ${parent}` : undefined;
}

const envName = (name) => name.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();

function concretePath(request, placeholder) {
  return request.path.replace(/\{([^}]+)\}/g, (_, name) => {
    const p = request.pathParams.find((x) => x.name === name);
    return p?.value !== undefined ? encodeURIComponent(String(p.value)) : placeholder(name);
  });
}

const shellQuote = (text) => `'${text.replace(/'/g, `'\\''`)}'`;
const queryText = (q) => (q.json ? JSON.stringify(q.value) : String(q.value));

function placeholderComments(request, prefix, render) {
  return request.pathParams
    .filter((p) => p.value === undefined)
    .map((p) => `${prefix} ${render(p.name)}: the ${p.name} of an existing one${p.creator ? `, as ${p.creator} answers it` : ''}.\n`)
    .join('');
}

function curlSample(request, { baseUrl, tokenVariable }) {
  const url = baseUrl + concretePath(request, (name) => `$${envName(name)}`);
  const method = request.method === 'get' ? (request.query.length ? '-G ' : '') : `-X ${request.method.toUpperCase()} `;
  const lines = [`curl ${method}"${url}"`];
  if (request.authenticated) lines.push(`-H "Authorization: Bearer $${tokenVariable}"`);
  for (const q of request.query) lines.push(`--data-urlencode ${shellQuote(`${q.name}=${queryText(q)}`)}`);
  if (request.body !== undefined) {
    lines.push(`-H 'Content-Type: application/json'`);
    lines.push(`-d ${shellQuote(JSON.stringify(request.body, null, 2))}`);
  }
  return placeholderComments(request, '#', (name) => `$${envName(name)}`) + lines.join(' \\\n  ') + '\n';
}

function typescriptSample(request, { baseUrl, clientPackage, clientFactory, clientName, tokenVariable }) {
  const init = [];
  const params = [];
  const known = request.pathParams.filter((p) => p.value !== undefined);
  const unknown = request.pathParams.filter((p) => p.value === undefined);
  if (request.pathParams.length) {
    const entries = [...known.map((p) => `${key(p.name)}: ${inline(p.value)}`), ...unknown.map((p) => `${key(p.name)}: ${p.numeric ? `Number(process.env.${envName(p.name)})` : `process.env.${envName(p.name)}!`}`)];
    params.push(`path: { ${entries.join(', ')} },`);
  }
  if (request.query.length) {
    // A JSON-encoded query parameter (content: application/json) is sent as its JSON text.
    const entries = request.query.map((q) => `      ${key(q.name)}: ${q.json ? `JSON.stringify(${inline(q.value)})` : inline(q.value)},`);
    params.push(`query: {\n${entries.join('\n')}\n    },`);
  }
  if (params.length) init.push(`  params: {\n${params.map((p) => `    ${p}`).join('\n')}\n  },`);
  if (request.body !== undefined) init.push(`  body: ${literal(request.body, 1)},`);
  const call = `${clientName}.${request.method.toUpperCase()}(${tsString(request.path)}${init.length ? `, {\n${init.join('\n')}\n}` : ''})`;
  return [
    placeholderComments(request, '//', (name) => `process.env.${envName(name)}`) + `import { ${clientFactory} } from ${tsString(clientPackage)};`,
    '',
    `const ${clientName} = ${clientFactory}({ baseUrl: ${tsString(baseUrl)}, token: process.env.${tokenVariable} });`,
    '',
    `const { data, error, response } = await ${call};`,
    'if (error !== undefined) throw new Error(`${response.status}: ${JSON.stringify(error)}`);',
    'console.log(data);',
    '',
  ].join('\n');
}

/** A JSON value as a one-line TypeScript literal. */
function inline(value) {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length ? `{ ${entries.map(([k, v]) => `${key(k)}: ${inline(v)}`).join(', ')} }` : '{}';
  }
  return typeof value === 'string' ? tsString(value) : JSON.stringify(value);
}

const tsString = (text) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const key = (name) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : tsString(name));

/** A JSON value as a TypeScript literal, indented like hand-written code. */
function literal(value, depth) {
  const pad = '  '.repeat(depth);
  if (Array.isArray(value)) {
    if (!value.length) return '[]';
    return `[\n${value.map((v) => `${pad}  ${literal(v, depth + 1)},`).join('\n')}\n${pad}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (!entries.length) return '{}';
    return `{\n${entries.map(([k, v]) => `${pad}  ${key(k)}: ${literal(v, depth + 1)},`).join('\n')}\n${pad}}`;
  }
  return typeof value === 'string' ? tsString(value) : JSON.stringify(value);
}

function pointer(root, ref) {
  if (!ref.startsWith('#/')) throw new Error(`docs/code-samples: unexpected external $ref ${ref} in a bundle`);
  return ref
    .slice(2)
    .split('/')
    .reduce((node, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], root);
}

export default function codeSamplesPlugin() {
  return { id: 'docs', decorators: { oas3: { 'code-samples': CodeSamples } } };
}

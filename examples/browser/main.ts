// A frontend as a team would write it: the typed client from `oauth-apps-api-client`, calling
// the reference server on another origin. It creates an app, lists it, renames it, then forces
// a 429 through the sandbox and shows it. The API's address and token come from the query
// string (?api=http://127.0.0.1:3000&token=dev-token).
import { createOauthAppsClient, type OauthApp } from 'oauth-apps-api-client';
import { createSandboxClient } from 'oauth-apps-api-client/sandbox';

const params = new URLSearchParams(location.search);
const baseUrl = params.get('api') ?? 'http://127.0.0.1:3000';
const token = params.get('token') ?? 'dev-token';
const api = createOauthAppsClient({ baseUrl, token });
const sandbox = createSandboxClient({ baseUrl, token });

function show(step: string, text: string, ok = true) {
  const li = document.createElement('li');
  li.dataset.step = step;
  li.dataset.ok = String(ok);
  li.textContent = text;
  document.getElementById('steps')!.append(li);
}

function showApps(apps: OauthApp[]) {
  document.getElementById('apps')!.replaceChildren(
    ...apps.map((app) => Object.assign(document.createElement('li'), { textContent: `${app.name} · ${app.provider} · ${app.id}` })),
  );
}

async function run() {
  document.getElementById('api')!.textContent = baseUrl;
  const clientId = `browser-${crypto.randomUUID()}`;
  const created = await api.POST('/v1/oauth-apps', {
    body: { provider: 'github', client_id: clientId, client_secret: 'browser-secret', name: 'Made in the browser', metadata: { origin: location.origin } },
  });
  if (!created.data) return show('create', `create failed: ${created.response.status} ${created.error?.summary}`, false);
  const id = created.data.id;
  show('create', `created “${created.data.name}” (${id})`);

  const listed = await api.GET('/v1/oauth-apps', { params: { query: { provider: 'github' } } });
  const found = listed.data?.data.some((app) => app.id === id) ?? false;
  showApps(listed.data?.data ?? []);
  const count = listed.data?.data.length ?? 0;
  show('list', found ? `listed ${count} GitHub app${count === 1 ? '' : 's'}, the new one among them` : 'the new app is not in the list', found);

  const renamed = await api.PATCH('/v1/oauth-apps/{id}', { params: { path: { id } }, body: { name: 'Renamed in the browser' } });
  show('rename', renamed.data ? `renamed to “${renamed.data.name}”` : `rename failed: ${renamed.response.status}`, renamed.data?.name === 'Renamed in the browser');

  await sandbox.POST('/__sandbox/faults', { body: { operation_id: 'listOauthApps', status: 429, remaining: 1 } });
  const limited = await api.GET('/v1/oauth-apps', {});
  show('rate-limit', `list answered ${limited.response.status}: ${limited.error?.summary ?? 'no error'}`, limited.response.status === 429);

  const after = await api.GET('/v1/oauth-apps', { params: { query: { provider: 'github' } } });
  showApps(after.data?.data ?? []);
}

run()
  .catch((err: unknown) => show('error', `the API could not be reached: ${String(err)}`, false))
  .finally(() => (document.body.dataset.done = 'true'));

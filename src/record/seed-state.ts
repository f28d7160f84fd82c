/**
 * The apps a recording has seen, kept as a seed: the latest state of each id from the
 * upstream's responses, deletes applied, ids and timestamps as the upstream gave them.
 * Pure (exchanges in, seed out), so it is tested without a proxy.
 */
import type { SeedApp } from '../sandbox/seed.js';
import { SECRET_MASK, type Exchange } from '../usage/format.js';

/** What a seed app's secret becomes unless the recording keeps secrets. */
export const SECRET_PLACEHOLDER = 'recorded-secret-not-kept';

type App = SeedApp & { id: string };

export class SeedState {
  readonly #apps = new Map<string, App>();
  /** Secrets sent in create/update bodies, by app id: the upstream masks them in its answers. */
  readonly #sent = new Map<string, string>();
  constructor(private readonly keepSecrets: boolean) {}

  /** Takes in one exchange, as the upstream answered it (secrets not yet masked). */
  see(e: Exchange) {
    const { status, body } = e.response;
    if (e.method === 'DELETE' && status === 200 && isDeleted(body)) return void this.forget(body.id);
    // A get of an id the upstream no longer has: the app is gone.
    if (e.method === 'GET' && status === 404 && e.operation_id === 'getOauthApp') return void this.forget(decodeURIComponent(e.path.split('/').pop() ?? ''));
    if (status !== 200 || !body || typeof body !== 'object') return;
    const apps = Array.isArray((body as { data?: unknown }).data) ? (body as { data: unknown[] }).data : [body];
    for (const app of apps.filter(isApp)) {
      const sent = (e.request.body as { client_secret?: unknown } | undefined)?.client_secret;
      if ((e.method === 'POST' || e.method === 'PATCH') && typeof sent === 'string') this.#sent.set(app.id, sent);
      this.#apps.delete(app.id); // re-inserted last: the map's order is the order last seen
      this.#apps.set(app.id, app);
    }
  }

  forget(id: string) {
    this.#apps.delete(id);
    this.#sent.delete(id);
  }

  get size() {
    return this.#apps.size;
  }

  /** The seed file's content: apps in creation order, each a valid seed app. */
  seed(): SeedApp[] {
    // An upstream that is not one consistent store (a mock answering from examples) may show
    // two ids with one provider + client_id, which no seed may hold: the one seen last stays.
    const byKey = new Map<string, App>();
    for (const app of [...this.#apps.values()].reverse()) if (!byKey.has(`${app.provider} ${app.client_id}`)) byKey.set(`${app.provider} ${app.client_id}`, app);
    return [...byKey.values()]
      .sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.id.localeCompare(b.id))
      .map((app) => ({
        id: app.id,
        provider: app.provider,
        name: app.name,
        client_id: app.client_id,
        client_secret: this.secretOf(app),
        metadata: app.metadata,
        ...(app.health ? { health: app.health } : {}),
        ...(app.created_at ? { created_at: app.created_at } : {}),
        ...(app.updated_at ? { updated_at: app.updated_at } : {}),
      }));
  }

  private secretOf(app: App): string {
    if (!this.keepSecrets) return SECRET_PLACEHOLDER;
    const seen = app.client_secret !== SECRET_MASK ? app.client_secret : this.#sent.get(app.id);
    return seen ?? SECRET_PLACEHOLDER;
  }
}

function isApp(v: unknown): v is App {
  const a = v as Partial<App> | null;
  return !!a && typeof a === 'object' && typeof a.id === 'string' && typeof a.provider === 'string' && typeof a.name === 'string' && typeof a.client_id === 'string';
}

function isDeleted(v: unknown): v is { id: string; deleted: true } {
  return !!v && typeof (v as { id?: unknown }).id === 'string' && (v as { deleted?: unknown }).deleted === true;
}

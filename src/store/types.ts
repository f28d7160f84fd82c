import type { components } from 'oauth-apps-api-client';

type Schemas = components['schemas'];
export type OauthApp = Schemas['OauthApp'];
export type Health = Schemas['Health'];
export type Provider = Schemas['Provider'];
export type HealthStatus = Schemas['HealthStatus'];
export type CreateInput = Schemas['OauthAppCreate'];
export type UpdateInput = Schemas['OauthAppUpdate'];
export type Metadata = Schemas['Metadata'];

/** A create that may also carry what only fixtures set (sandbox seed data, imports). */
export type NewApp = CreateInput & Partial<Pick<OauthApp, 'id' | 'health' | 'created_at' | 'updated_at'>>;

export interface ListFilter {
  provider?: Provider;
  healthStatus?: HealthStatus;
  /** JSON containment: every property given must be in the app's metadata (see contains.ts). */
  metadata?: Metadata;
}

/** Another app already has this provider + client_id. */
export class DuplicateClientIdError extends Error {
  constructor() {
    super('An OAuth app with this provider and client_id already exists');
    this.name = 'DuplicateClientIdError';
  }
}

/**
 * Where OAuth apps live. Every call is async so that a networked backend (PostgreSQL) fits
 * behind the same interface as the embedded one. Apps come back with their real secret;
 * masking is the HTTP layer's job.
 */
export interface OauthAppStore {
  /** Human-readable location for start-up messages (a file path, a host); never a password. */
  readonly location: string;
  create(app: NewApp): Promise<OauthApp>;
  get(id: string): Promise<OauthApp | undefined>;
  list(filter: ListFilter): Promise<OauthApp[]>;
  /** Only the fields present change; undefined when no app has this id. */
  update(id: string, patch: UpdateInput): Promise<OauthApp | undefined>;
  setHealth(id: string, health: Omit<Health, 'time'>): Promise<OauthApp | undefined>;
  delete(id: string): Promise<boolean>;
  count(): Promise<number>;
  /** Removes every app (sandbox reset). */
  clear(): Promise<void>;
  close(): Promise<void>;
}

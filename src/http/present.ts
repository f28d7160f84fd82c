import type { OauthApp } from '../store/types.js';

/** The fixed mask: it reveals neither the secret's content nor its length. */
export const MASK = '**********';

/** The app as a response shows it: secret masked unless the caller asked for it in full. */
export function present(app: OauthApp, revealSecret: boolean): OauthApp {
  return revealSecret ? app : { ...app, client_secret: MASK };
}

import type { KeyMode } from './api-keys.js';
import type { Scope } from './scopes.js';

/** Who is calling: an account, through one credential, with some scopes. */
export interface Principal {
  kind: 'api_key' | 'jwt';
  accountId: string;
  /** The credential: an API key id (`key_…`), or `jwt:<tenant>:<hash of issuer and subject>` for an access token. */
  keyId: string;
  /** Live or test data; tokens act in live mode. */
  mode: KeyMode;
  scopes: Scope[];
}

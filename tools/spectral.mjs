// Spectral ruleset for the published contracts (`npm run openapi:lint`; CI-only, installed by
// `npm ci --prefix tools`): Spectral's OpenAPI rules
// and the OWASP API Security Top 10 (2023) ruleset, at their recommended severities, with
// warnings failing the run too. Every rule switched off below, wholly or for some paths, says why.
import owasp from '@stoplight/spectral-owasp-ruleset';
import { oas } from '@stoplight/spectral-rulesets';

// Override paths are JSON pointers in URI-fragment form: `/` is `~1`, and `{` `}` are `%7B` `%7D`.

/** The health probes, in both documents. */
const PROBES = ['../openapi/v*.json#/paths/~1livez', '../openapi/v*.json#/paths/~1readyz'];

export default {
  extends: [
    [oas, 'recommended'],
    [owasp, 'recommended'],
  ],
  rules: {
    // Our operations name the one scope they need on both bearer schemes (an API key, an
    // OAuth2/OIDC access token). OpenAPI 3.1 §4.8.30 allows role names in the security
    // requirement of any scheme type; the rule predates 3.1 and only accepts oauth2 flow scopes.
    // Declaring a fake oauth2 flow to please it would document a token endpoint we do not have.
    'oas3-operation-security-defined': 'off',
  },
  overrides: [
    {
      // /livez and /readyz are for orchestrators and load balancers: public on purpose (they
      // reveal only "ok"/"unavailable"), exempt from rate limits so a probe storm cannot fail an
      // instance, and they take no input, so there is no 400, 401 or 429 to document (their 500
      // and 503 are).
      files: PROBES,
      rules: {
        'owasp:api2:2023-read-restricted': 'off',
        'owasp:api4:2023-rate-limit': 'off',
        'owasp:api4:2023-rate-limit-responses-429': 'off',
        'owasp:api8:2023-define-error-responses-401': 'off',
        'owasp:api8:2023-define-error-validation': 'off',
      },
    },
    {
      // The index (`/`) and the API catalog (RFC 9727) are where a stranger starts: public on
      // purpose (they list only public links), and they take no input, so there is no 400 or 401
      // to document (their 429 and 500 are).
      files: [
        '../openapi/v*.json#/paths/~1',
        '../openapi/v*.json#/paths/~1.well-known~1api-catalog',
      ],
      rules: {
        'owasp:api2:2023-read-restricted': 'off',
        'owasp:api8:2023-define-error-responses-401': 'off',
        'owasp:api8:2023-define-error-validation': 'off',
      },
    },
    {
      // `errors` lists every invalid field of the request, so its length is bounded by the
      // request (BODY_LIMIT_BYTES, MAX_QUERY_PARAMS), not by a constant we could state without
      // truncating what the client needs to fix.
      files: ['../openapi/v*.json#/components/schemas/Problem/properties/errors'],
      rules: { 'owasp:api4:2023-array-limit': 'off' },
    },
    {
      // If-Match is parsed leniently as RFC 9110 §13.1.1 asks: a value holding no entity-tag of
      // ours matches nothing and answers 412, which is the documented behaviour. A pattern
      // would turn that 412 into a 400 and change a published contract.
      files: [
        '../openapi/v*.json#/paths/~1v1~1users~1%7Bid%7D/patch/parameters',
        '../openapi/v*.json#/paths/~1v1~1orders~1%7Bid%7D~1cancel/post/parameters',
        '../openapi/v*.json#/paths/~1v2~1users~1%7Bid%7D/patch/parameters',
        '../openapi/v*.json#/paths/~1v2~1orders~1%7Bid%7D~1cancel/post/parameters',
      ],
      rules: { 'owasp:api4:2023-string-restricted': 'off' },
    },
    {
      // v1's `starting_after` is frozen as published: a pattern would turn today's
      // `400 invalid_cursor` for a mangled cursor into `400 validation_failed`. v2's `cursor`
      // has the pattern.
      files: [
        '../openapi/v1.json#/paths/~1v1~1users/get/parameters',
        '../openapi/v1.json#/paths/~1v1~1orders/get/parameters',
        '../openapi/v1.json#/paths/~1v1~1payments/get/parameters',
        '../openapi/v1.json#/paths/~1v1~1payments~1%7Bid%7D~1refunds/get/parameters',
        '../openapi/v1.json#/paths/~1v1~1api_keys/get/parameters',
        '../openapi/v1.json#/paths/~1v1~1webhook_endpoints/get/parameters',
        '../openapi/v1.json#/paths/~1v1~1webhook_endpoints~1%7Bid%7D~1deliveries/get/parameters',
      ],
      rules: { 'owasp:api4:2023-string-restricted': 'off' },
    },
  ],
};

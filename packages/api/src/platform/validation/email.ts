/**
 * The one email rule of the API, used both by validation (as the `email` format, so format and
 * pattern can never disagree) and by the OpenAPI documents (as the `pattern` beside
 * `format: email`), so a client or a fuzzer reads the rule the server enforces.
 *
 * It is the rule the API has always enforced (ajv-formats' `full` email format, written without
 * the case-insensitive flag, which JSON Schema patterns cannot carry): a dot-atom local part,
 * `@`, and a domain of at least two dot-separated labels of letters, digits and inner hyphens.
 * `ada@example.com` passes; `v@io` (no dot in the domain), `a@-x.io` and `a..b@x.io` do not.
 */
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';

export const EMAIL_PATTERN = `^${ATEXT}+(?:\\.${ATEXT}+)*@(?:${LABEL}\\.)+${LABEL}$`;

/** The rule in words, for schema descriptions. */
export const EMAIL_RULE =
  "An address `local@domain`: the local part is dot-separated runs of letters, digits and ``!#$%&'*+/=?^_`{|}~-``; the domain has at least two dot-separated labels (`v@io` is refused), each of letters, digits and inner hyphens.";

const EMAIL = new RegExp(EMAIL_PATTERN);

/** Whether `value` is an email address by the API's rule. */
export const isEmail = (value: string) => EMAIL.test(value);

import { DEFAULTS } from '../run/options.js';

/** `steadfast-check --help`. */
export const USAGE = `Usage: steadfast-check <base-url> [options]

Probes an HTTP API, live and through its OpenAPI document, against the production-readiness
checklist (fails gracefully, predictable, observable, protects itself, scales without surprises,
documented) and prints a scorecard. Read-only unless writes are allowed.

Target
  --openapi <url|file>       OpenAPI 3 document (repeatable); default: discovered under the base URL
  --auth <credential>        credential A: "Bearer <token>", "Basic user:pass", "Header-Name: value"
                             or a bare token (sent as the Authorization value)
                             (or set STEADFAST_CHECK_AUTH, which keeps it out of the process list)
  --auth-b <credential>      credential B, of another tenant, for auth.tenant-isolation
                             (or STEADFAST_CHECK_AUTH_B)
  --resource <path>          collection to probe, e.g. /v1/users (repeatable); needed without a document
  --page-param <name>        the page-size query parameter (per_page, _limit, page[size]…) when no
                             document names it and the run cannot discover it
  --ca <file>                PEM file of extra certificate authorities to trust
  --insecure                 accept any TLS certificate

Safety
  --allow-writes             run write probes: they create records of their own and delete them after
  --allow-writes-on <host>   host (or host:port) write probes may target; repeatable or comma-separated.
                             Writes are refused for any host not named here.
  --max-requests <n>         hard cap on requests in the run (default ${DEFAULTS.maxRequests})
  --rps <n>                  hard cap on requests per second (default ${DEFAULTS.rps})
  --time-budget <seconds>    no probe sends anything after this (default ${DEFAULTS.timeBudgetS})
  --timeout <seconds>        per request (default ${DEFAULTS.timeoutS})
  --burst <n>                most requests of the rate-limit burst (default ${DEFAULTS.burst})
  --max-body <bytes>         largest body the API should accept; one byte more must be 413 (default ${DEFAULTS.maxBodyBytes})
  --max-pages <n>            most pages the pagination walk follows (default ${DEFAULTS.maxPages})
  --dry-run                  list the probes and what they would send; send nothing

Output
  -f, --format <format>      on stdout: text (default), json, junit, sarif or html
  -o, --output <file>        also write a report, format from the extension: .json, .xml (JUnit),
                             .sarif, .html, .txt (repeatable)
  --fail-under <score>       exit 1 when the overall score (0-100) is below this; without it
                             (or --fail-severity), exit 1 when any probe fails
  --fail-severity <level>    exit 1 when any probe is at this level or worse: fail, or warn
  --only <list>              run only these probes: ids, sections or prefixes ("spec.", "auth.*")
  --skip <list>              skip these probes
  --list-probes              list every probe with its section and rationale, and exit
  --quiet                    no progress indicator on stderr
  --no-color                 plain text (NO_COLOR is honoured too)
  -h, --help                 this help
  -V, --version              the version

Exit codes
  0  all good (or the score is at least --fail-under)
  1  a probe failed, or the score is below --fail-under
  2  usage error, or write probes refused for an unnamed host
  3  the target does not answer
  4  the run did not finish: the request or time budget ran out

Examples
  npx steadfast-check https://api.example.com --auth "Bearer $TOKEN"
  npx steadfast-check http://localhost:3000 --auth "Bearer $A" --auth-b "Bearer $B" \\
      --allow-writes --allow-writes-on localhost:3000 --output report.html
  npx steadfast-check https://staging.example.com --format junit --fail-under 90 > junit.xml
`;

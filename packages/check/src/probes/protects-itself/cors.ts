import type { Reply } from '../../http/client.js';
import type { Probe } from '../context.js';
import { Findings } from '../outcome.js';
import { described, readPath } from '../support/targets.js';

const FOREIGN_ORIGIN = 'https://steadfast-check.invalid';

function judge(reply: Reply, origin: string, findings: Findings): void {
  const seen = described(reply);
  const allowOrigin = reply.header('access-control-allow-origin');
  const credentials = reply.header('access-control-allow-credentials')?.toLowerCase() === 'true';
  if (allowOrigin === undefined) {
    findings.add('pass', `${seen} from Origin: ${origin}: no Access-Control-Allow-Origin`);
  } else if (allowOrigin === origin) {
    findings.add(
      'fail',
      `${seen}: reflects the foreign Origin ${origin}${credentials ? ' with credentials' : ''}: any website can read these responses`,
    );
  } else if (allowOrigin === '*' && credentials) {
    findings.add('fail', `${seen}: Access-Control-Allow-Origin: * with Allow-Credentials: true`);
  } else if (allowOrigin === '*') {
    findings.add(
      'warn',
      `${seen}: Access-Control-Allow-Origin: * on an authenticated endpoint: fine for public data only`,
    );
  } else {
    findings.add(
      'pass',
      `${seen}: Access-Control-Allow-Origin: ${allowOrigin}, not the foreign origin`,
    );
  }
}

export const cors: Probe = {
  id: 'security.cors',
  title: 'Sane CORS',
  section: 'protects-itself',
  kind: 'live',
  writes: false,
  rationale:
    'A CORS policy that trusts any origin lets any website a user visits call the API with the user’s credentials and read the answers.',
  fix: 'Allow an explicit list of origins; never reflect the Origin header, never combine * with credentials, never allow "null".',
  plan: [
    `GET <collection> with Origin: ${FOREIGN_ORIGIN}`,
    `OPTIONS <collection> preflight from ${FOREIGN_ORIGIN}`,
    'GET <collection> with Origin: null',
  ],
  async run(ctx) {
    const { path } = readPath(ctx);
    const findings = new Findings();
    judge(
      await ctx.http.send({ path, headers: { origin: FOREIGN_ORIGIN } }),
      FOREIGN_ORIGIN,
      findings,
    );
    const preflight = await ctx.http.send({
      method: 'OPTIONS',
      path,
      as: 'none',
      headers: {
        origin: FOREIGN_ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    judge(preflight, FOREIGN_ORIGIN, findings);
    judge(await ctx.http.send({ path, headers: { origin: 'null' } }), 'null', findings);
    return findings.outcome({ pass: 'foreign origins get no CORS grant' });
  },
};

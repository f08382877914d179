/** What the first screen of a development start says (main.ts prints it to the console). */
export interface FirstScreen {
  /** Where the API listens (PUBLIC_BASE_URL). */
  url: string;
  /** Where Prometheus scrapes, or why nothing does. */
  metrics: string;
  /** `sqlite` or `postgres`. */
  database: string;
  /** The demo tenant's key, on the start that created it (the only time it exists in clear). */
  created?: { accountId: string; secret: string };
  /** The demo tenant a previous start created. */
  existing?: string;
}

/**
 * A few lines for a person at a terminal in development: what listens where, how to get a key,
 * where the docs are. Logs stay JSON (or pino-pretty) for machines; this is the human summary.
 */
export function firstScreen(screen: FirstScreen): string {
  const lines = [
    '',
    `Steadfast API listening on ${screen.url} (development, ${screen.database})`,
    `  reference   ${screen.url}/docs`,
    `  index       ${screen.url}/`,
    `  metrics     ${screen.metrics}`,
    '',
  ];
  if (screen.existing) {
    lines.push(
      `Demo tenant ${screen.existing} already exists (its key was shown on the first start); create another key with \`npm run keys -- create --tenant me\`.`,
      '',
    );
  }
  return lines.join('\n') + '\n' + (screen.created ? demoKeyBlock(screen.created, screen.url) : '');
}

/** The demo tenant's key, printed once in any environment: it is the only copy. */
export function demoKeyBlock(created: { accountId: string; secret: string }, url: string): string {
  return (
    `Created demo tenant ${created.accountId}. Its API key (shown once, store it now):\n\n` +
    `    ${created.secret}\n\n` +
    `Try: curl -H "Authorization: Bearer ${created.secret}" ${url}/v1/users\n\n`
  );
}

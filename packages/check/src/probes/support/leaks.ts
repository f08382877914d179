/** A pattern that betrays internals, and what it betrays. */
interface LeakPattern {
  what: string;
  pattern: RegExp;
}

/** Stack frames of the common runtimes. */
const STACK_TRACES: LeakPattern[] = [
  {
    what: 'a JavaScript stack trace',
    pattern: /\bat (?:async )?[\w$.<>[\] ]*\(?(?:file:\/\/|\/|[A-Z]:\\|node:)[^\s)]*:\d+:\d+\)?/,
  },
  {
    what: 'a Python traceback',
    pattern: /Traceback \(most recent call last\)|File "[^"]+", line \d+/,
  },
  {
    what: 'a Java stack trace',
    pattern: /\bat [\w$.]+\([\w$]+\.(?:java|kt|scala):\d+\)|Exception in thread "/,
  },
  {
    what: 'a .NET stack trace',
    pattern: /\bat [\w.`<>]+\(.*\) in .+:line \d+|System\.\w+Exception:/,
  },
  { what: 'a Go panic', pattern: /goroutine \d+ \[|panic: runtime error/ },
  { what: 'a Ruby backtrace', pattern: /\.rb:\d+:in `/ },
  {
    what: 'a PHP error',
    pattern: /(?:Fatal error|Warning|Notice): .+ in \/.+\.php on line \d+|Stack trace:\s*#0/,
  },
  {
    what: 'a source path',
    pattern: /(?:\/node_modules\/|\/site-packages\/|\/vendor\/bundle\/|\/usr\/src\/app\/)/,
  },
];

/** Database error text. */
const SQL: LeakPattern[] = [
  // Upper-case keywords, or lower-case ones around quoted identifiers: prose ("select one from
  // the list") must not count as SQL.
  {
    what: 'SQL',
    pattern: /\b(?:SELECT\s+[\w*,\s."`]+\s+FROM|INSERT INTO|UPDATE\s+\S+\s+SET|DELETE FROM)\s/,
  },
  {
    what: 'SQL',
    pattern: /\b(?:select\s+.{1,200}?\s+from|insert\s+into|update|delete\s+from)\s+["`][\w.]+["`]/i,
  },
  {
    what: 'a database error',
    pattern:
      /SQLSTATE|syntax error at or near|SQLITE_[A-Z]+|\bER_[A-Z_]+\b|ORA-\d{5}|duplicate key value violates|relation "[^"]+" does not exist|no such table|PG::\w+|psycopg2?\.|SequelizeDatabaseError|PrismaClient\w*Error|QueryFailedError|MongoServerError/,
  },
];

/** Framework or server names and versions in bodies. */
const BODY_BANNERS: LeakPattern[] = [
  {
    what: "Express's default error page",
    pattern: /<pre>Cannot (?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) [^<]*<\/pre>/,
  },
  { what: "Spring's Whitelabel error page", pattern: /Whitelabel Error Page/ },
  {
    what: "Django's debug page",
    pattern: /You're seeing this error because you have <code>DEBUG = True<\/code>/,
  },
  { what: "Werkzeug's debugger", pattern: /Werkzeug Debugger|werkzeug\.exceptions/ },
  { what: "Laravel's error page", pattern: /Illuminate\\\\?[A-Z]\w+/ },
  {
    what: 'a server banner',
    pattern: /<address>Apache\/[\d.]+|<center>nginx\/[\d.]+<\/center>|Apache Tomcat\/[\d.]+/,
  },
];

/** Headers that name the stack. */
const BANNER_HEADERS: { name: string; test: (value: string) => boolean; what: string }[] = [
  { name: 'x-powered-by', test: () => true, what: 'X-Powered-By names the framework' },
  { name: 'x-aspnet-version', test: () => true, what: 'X-AspNet-Version names the runtime' },
  { name: 'x-aspnetmvc-version', test: () => true, what: 'X-AspNetMvc-Version names the runtime' },
  { name: 'x-runtime', test: (v) => !/^[\d.]+$/.test(v), what: 'X-Runtime names the runtime' },
  {
    name: 'server',
    // The rule is name AND version ("nginx/1.25.3", "gunicorn/21.2", "Apache/2.4.57 (Debian)"):
    // a bare product name ("gunicorn", "nginx") tells an attacker little they could not guess.
    test: (v) => /[A-Za-z][\w.-]*\/\s*v?\d/.test(v),
    what: 'Server names the software and its version',
  },
];

/** One leak in one response: what kind, and the text that gave it away. */
export interface Leak {
  what: string;
  excerpt: string;
}

/** Leaks found in one response. */
export function findLeaks(headers: Record<string, string>, body: string): Leak[] {
  const found: Leak[] = [];
  for (const header of BANNER_HEADERS) {
    const value = headers[header.name];
    if (value !== undefined && header.test(value))
      found.push({ what: header.what, excerpt: `${header.name}: ${value}` });
  }
  const text = body.slice(0, 256 * 1024);
  for (const leak of [...STACK_TRACES, ...SQL, ...BODY_BANNERS]) {
    const match = leak.pattern.exec(text);
    if (match)
      found.push({ what: leak.what, excerpt: match[0].slice(0, 120).replace(/\s+/g, ' ') });
  }
  return found;
}

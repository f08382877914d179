import type { Status } from '../probes/outcome.js';
import type { Evidence, ProbeResult, Report, SectionScore } from './report.js';
import { HTML_STYLE } from './html-style.js';

const WORD: Record<Status, string> = { pass: 'Pass', warn: 'Warn', fail: 'Fail', na: 'N/A' };

/** Text safe in HTML content and attribute values. */
export function htmlText(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const anchor = (id: string) => `p-${id.replace(/[^a-z0-9-]/gi, '-')}`;

function ring(score: number | null): string {
  const value = score ?? 0;
  const circumference = 2 * Math.PI * 52;
  const tone = score === null ? 'na' : score >= 90 ? 'pass' : score >= 70 ? 'warn' : 'fail';
  return `<svg class="ring ${tone}" viewBox="0 0 120 120" role="img" aria-label="Overall score ${score ?? 'n/a'}">
  <circle class="track" cx="60" cy="60" r="52"/>
  <circle class="value" cx="60" cy="60" r="52" stroke-dasharray="${((value / 100) * circumference).toFixed(1)} ${circumference.toFixed(1)}" transform="rotate(-90 60 60)"/>
  <text x="60" y="60" class="ring-score">${score === null ? 'n/a' : `${score}%`}</text>
  <text x="60" y="82" class="ring-label">ready</text>
</svg>`;
}

function counts(c: Record<Status, number>, skipZero = false): string {
  return (['pass', 'warn', 'fail', 'na'] as const)
    .filter((status) => !skipZero || c[status] > 0)
    .map(
      (status) => `<span class="pill ${status}">${c[status]} ${WORD[status].toLowerCase()}</span>`,
    )
    .join(' ');
}

function sectionCard(section: SectionScore): string {
  const tone =
    section.score === null
      ? 'na'
      : section.score >= 90
        ? 'pass'
        : section.score >= 70
          ? 'warn'
          : 'fail';
  return `<a class="card" href="#s-${section.id}">
  <span class="card-title">${htmlText(section.title)}</span>
  <span class="card-score ${tone}">${section.score === null ? 'n/a' : `${section.score}%`}</span>
  <span class="meter"><span class="meter-fill ${tone}" style="width:${section.score ?? 0}%"></span></span>
  <span class="card-counts">${counts(section.counts, true)}</span>
</a>`;
}

function headers(record: Record<string, string> | undefined): string {
  if (!record) return '';
  return Object.entries(record)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
}

function exchange(e: Evidence): string {
  const request = [
    `${e.method} ${e.url}`,
    headers(e.requestHeaders),
    e.requestBody ? `\n${e.requestBody}` : '',
  ]
    .filter(Boolean)
    .join('\n');
  const response = e.error
    ? `no answer: ${e.error}`
    : [
        `HTTP ${e.status ?? '?'} · ${e.durationMs} ms`,
        headers(e.responseHeaders),
        e.responseBody ? `\n${e.responseBody}` : '',
      ]
        .filter(Boolean)
        .join('\n');
  return `<div class="exchange"><pre class="req">${htmlText(request)}</pre><pre class="res">${htmlText(response)}</pre></div>`;
}

function probe(result: ProbeResult): string {
  const open = result.status === 'fail' ? ' open' : '';
  const details =
    result.details.length > 0
      ? `<ul class="details">${result.details.map((line) => `<li>${htmlText(line)}</li>`).join('')}</ul>`
      : '';
  const evidence =
    result.evidence.length > 0
      ? `<details class="evidence"><summary>${result.requests} request${result.requests === 1 ? '' : 's'}${result.moreEvidence > 0 ? ` (${result.evidence.length} shown)` : ''}</summary>${result.evidence.map(exchange).join('')}</details>`
      : '';
  return `<details class="probe ${result.status}" id="${anchor(result.id)}"${open}>
<summary><span class="pill ${result.status}">${WORD[result.status]}</span><code class="id">${htmlText(result.id)}</code><span class="kind">${result.kind}${result.writes ? ' · writes' : ''}</span><span class="title">${htmlText(result.title)}</span><span class="summary">${htmlText(result.summary)}</span></summary>
<div class="body">
<p class="why">${htmlText(result.rationale)}</p>
${details}
${result.status === 'pass' || result.status === 'na' ? '' : `<p class="fix"><strong>How to fix</strong> ${htmlText(result.fix)}</p>`}
${evidence}
</div>
</details>`;
}

/**
 * A self-contained HTML report: inline CSS, no script, no font or image from anywhere (its CSP
 * forbids any), so it renders the same from a CI artifact, an e-mail or an air-gapped laptop.
 */
export function renderHtml(report: Report): string {
  const attention = report.probes.filter((p) => p.status === 'fail' || p.status === 'warn');
  const when = new Date(report.startedAt).toUTCString();
  const sections = report.sections
    .map((section) => {
      const probes = report.probes.filter((p) => p.section === section.id);
      return `<section class="section" id="s-${section.id}">
<h2>${htmlText(section.title)} <span class="section-score">${section.score === null ? 'n/a' : `${section.score}%`}</span></h2>
${probes.map(probe).join('\n')}
</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>API readiness: ${htmlText(report.target)} · ${report.score ?? 'n/a'}%</title>
<style>${HTML_STYLE}</style>
</head>
<body>
<header class="hero">
${ring(report.score)}
<div class="hero-text">
<p class="eyebrow">API readiness report</p>
<h1>${htmlText(report.target)}</h1>
<p class="meta">${htmlText(when)} · ${report.requests.sent} requests in ${(report.durationMs / 1000).toFixed(1)} s · writes ${report.writes ? 'on' : 'off'}</p>
<p class="meta">OpenAPI: ${report.documents.length > 0 ? report.documents.map(htmlText).join(', ') : 'none found'}</p>
<p class="totals">${counts(report.counts)}</p>
</div>
</header>
<nav class="cards">${report.sections.map(sectionCard).join('\n')}</nav>
${
  attention.length > 0
    ? `<section class="attention"><h2>Needs attention</h2><ol>${attention
        .map(
          (p) =>
            `<li><a href="#${anchor(p.id)}"><span class="pill ${p.status}">${WORD[p.status]}</span> <code>${htmlText(p.id)}</code> ${htmlText(p.summary)}</a></li>`,
        )
        .join('')}</ol></section>`
    : '<section class="attention ok"><h2>Nothing needs attention</h2><p>Every probe passed or did not apply.</p></section>'
}
<main>
${sections}
</main>
${report.notes.length > 0 ? `<aside class="notes"><h2>Notes</h2><ul>${report.notes.map((n) => `<li>${htmlText(n)}</li>`).join('')}</ul></aside>` : ''}
<footer>Generated by ${htmlText(report.tool.name)} ${htmlText(report.tool.version)}. Scores count pass as 1 and warn as ½ of the probes that applied; n/a counts for nothing.</footer>
</body>
</html>
`;
}

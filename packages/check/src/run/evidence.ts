import type { Exchange } from '../http/exchange.js';
import type { Evidence } from '../report/report.js';

const SHOWN = 8;
const BODY_EXCERPT = 1500;

function excerpt(text: string | undefined): string | undefined {
  if (text === undefined || text.length === 0) return undefined;
  return text.length > BODY_EXCERPT
    ? `${text.slice(0, BODY_EXCERPT)}… (${text.length} characters)`
    : text;
}

function toEvidence(exchange: Exchange): Evidence {
  return {
    method: exchange.request.method,
    url: exchange.request.url,
    requestHeaders: exchange.request.headers,
    requestBody: excerpt(exchange.request.body),
    status: exchange.response?.status,
    responseHeaders: exchange.response?.headers,
    responseBody: excerpt(exchange.response?.body),
    error: exchange.error,
    durationMs: exchange.durationMs,
  };
}

/** The exchanges a report shows for a probe: all of a few, or the first and last of many. */
export function evidenceOf(exchanges: Exchange[]): { evidence: Evidence[]; more: number } {
  if (exchanges.length <= SHOWN) return { evidence: exchanges.map(toEvidence), more: 0 };
  const chosen = [...exchanges.slice(0, 3), ...exchanges.slice(-(SHOWN - 3))];
  return { evidence: chosen.map(toEvidence), more: exchanges.length - chosen.length };
}

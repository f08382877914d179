import { describe, expect, it } from 'vitest';
import { RUNBOOK_URL, readDashboardText } from './monitoring-files.js';

interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown }[] };
  links: { url: string }[];
}

const dashboard = JSON.parse(readDashboardText()) as Dashboard;
const panels = dashboard.panels.filter((panel) => panel.type !== 'row');

describe('the Grafana dashboard', () => {
  it('takes its Prometheus data source as a variable, so it imports into any Grafana', () => {
    expect(dashboard.templating.list[0]).toMatchObject({
      name: 'datasource',
      type: 'datasource',
      query: 'prometheus',
    });
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const target of panel.targets ?? []) {
        expect(target.datasource?.uid, panel.title).toBe('${datasource}');
      }
    }
  });

  it('scopes every query to the selected job (and instance where series have one)', () => {
    for (const panel of panels) {
      for (const { expr } of panel.targets ?? []) {
        expect(expr, panel.title).toMatch(/job=~"\$job"/);
      }
    }
  });

  it('has unique panel ids and refIds, titles, descriptions, and no overlapping panels', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels) {
      expect(panel.title).toMatch(/\w/);
      expect(panel.description, panel.title).toMatch(/\w{3,}/);
      const refIds = (panel.targets ?? []).map((target) => target.refId);
      expect(refIds.length, panel.title).toBeGreaterThan(0);
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
    }
    const cells = new Map<string, string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let row = y; row < y + h; row += 1) {
        for (let column = x; column < x + w; column += 1) {
          const cell = `${row}:${column}`;
          expect(cells.get(cell), `${panel.title} overlaps`).toBeUndefined();
          cells.set(cell, panel.title);
        }
      }
    }
  });

  it('covers each area on-call needs', () => {
    const titles = panels.map((panel) => panel.title).join('\n');
    for (const area of [
      /Requests\/s by route/,
      /Errors\/s by route/,
      /Latency p50 \/ p95 \/ p99/,
      /Requests in flight/,
      /Error responses by problem code/,
      /Rate-limit rejections/,
      /Authentication failures/,
      /Idempotency/,
      /Payment transitions/,
      /Refund transitions/,
      /Processor attempt latency/,
      /Processor attempts by outcome, and retries/,
      /Processor circuit breaker/,
      /Query latency/,
      /Connection pool/,
      /Cache hit ratio/,
      /Event-loop lag/,
      /Memory/,
      /Readiness/,
      /Error-budget burn rate: availability/,
      /Error-budget burn rate: latency/,
      /Webhook attempts\/s by outcome/,
      /Webhook backlog age/,
      /Webhook delivery latency/,
    ]) {
      expect(titles).toMatch(area);
    }
  });

  it('links to the runbook', () => {
    expect(dashboard.links.map((link) => link.url)).toContain(RUNBOOK_URL);
  });
});

import type { Format } from '../cli/arguments.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import type { Report } from './report.js';
import { renderSarif } from './sarif.js';
import { colors, renderText } from './text.js';

/** The report in one format; text is coloured only when `color` says so. */
export function render(report: Report, format: Format, color: boolean): string {
  switch (format) {
    case 'json':
      return renderJson(report);
    case 'junit':
      return renderJunit(report);
    case 'sarif':
      return renderSarif(report);
    case 'html':
      return renderHtml(report);
    case 'text':
      return renderText(report, colors(color));
  }
}

/** The report's whole stylesheet: system fonts, light and dark, printable. */
export const HTML_STYLE = `
:root {
  --bg: #f6f7f9; --panel: #ffffff; --text: #1d2330; --muted: #5f6b7a; --line: #e3e7ee;
  --pass: #1a7f37; --pass-bg: #dafbe1; --warn: #9a6700; --warn-bg: #fff8c5;
  --fail: #cf222e; --fail-bg: #ffebe9; --na: #6e7781; --na-bg: #eef1f4; --accent: #3b5bdb;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1318; --panel: #171c23; --text: #e6e9ee; --muted: #9aa5b4; --line: #262d37;
    --pass: #4ac26b; --pass-bg: #12261a; --warn: #d4a72c; --warn-bg: #2b2412;
    --fail: #ff7b72; --fail-bg: #2d1517; --na: #8b949e; --na-bg: #1f252d; --accent: #8ca2ff;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: inherit; text-decoration: none; }
code { font-family: var(--mono); font-size: 0.92em; }
.hero { display: flex; gap: 32px; align-items: center; padding: 36px max(24px, calc(50% - 560px));
  background: var(--panel); border-bottom: 1px solid var(--line); }
.hero-text { min-width: 0; }
.eyebrow { margin: 0; text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--muted); font-weight: 600; }
h1 { margin: 4px 0 8px; font-size: 26px; overflow-wrap: anywhere; }
.meta { margin: 2px 0; color: var(--muted); font-size: 13px; overflow-wrap: anywhere; }
.totals { margin: 12px 0 0; }
.ring { width: 132px; height: 132px; flex: none; }
.ring .track { fill: none; stroke: var(--line); stroke-width: 12; }
.ring .value { fill: none; stroke-width: 12; stroke-linecap: round; }
.ring.pass .value { stroke: var(--pass); } .ring.warn .value { stroke: var(--warn); }
.ring.fail .value { stroke: var(--fail); } .ring.na .value { stroke: var(--na); }
.ring-score { font-size: 28px; font-weight: 700; fill: var(--text); text-anchor: middle; dominant-baseline: middle; }
.ring-label { font-size: 11px; fill: var(--muted); text-anchor: middle; text-transform: uppercase; letter-spacing: .1em; }
.pill { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.pill.pass { color: var(--pass); background: var(--pass-bg); } .pill.warn { color: var(--warn); background: var(--warn-bg); }
.pill.fail { color: var(--fail); background: var(--fail-bg); } .pill.na { color: var(--na); background: var(--na-bg); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px;
  padding: 24px max(24px, calc(50% - 560px)) 8px; }
.card { display: flex; flex-direction: column; gap: 6px; padding: 14px 16px; background: var(--panel);
  border: 1px solid var(--line); border-radius: 12px; }
.card:hover { border-color: var(--accent); }
.card-title { font-weight: 600; font-size: 13px; }
.card-score { font-size: 24px; font-weight: 700; }
.card-score.pass { color: var(--pass); } .card-score.warn { color: var(--warn); }
.card-score.fail { color: var(--fail); } .card-score.na { color: var(--na); }
.meter { height: 6px; background: var(--line); border-radius: 3px; overflow: hidden; }
.meter-fill { display: block; height: 100%; }
.meter-fill.pass { background: var(--pass); } .meter-fill.warn { background: var(--warn); }
.meter-fill.fail { background: var(--fail); } .meter-fill.na { background: var(--na); }
.card-counts .pill { font-size: 11px; padding: 0 6px; }
.attention, main, .notes, footer { padding: 0 max(24px, calc(50% - 560px)); }
.attention { margin-top: 20px; }
.attention ol { margin: 0; padding: 0; list-style: none; background: var(--panel); border: 1px solid var(--line); border-radius: 12px; }
.attention li { padding: 10px 16px; border-top: 1px solid var(--line); }
.attention li:first-child { border-top: none; }
.attention li a:hover { color: var(--accent); }
.attention.ok p { color: var(--muted); }
h2 { font-size: 18px; margin: 28px 0 10px; display: flex; align-items: baseline; gap: 10px; }
.section-score { color: var(--muted); font-weight: 600; font-size: 15px; }
.probe { background: var(--panel); border: 1px solid var(--line); border-left-width: 4px; border-radius: 10px; margin: 8px 0; }
.probe.pass { border-left-color: var(--pass); } .probe.warn { border-left-color: var(--warn); }
.probe.fail { border-left-color: var(--fail); } .probe.na { border-left-color: var(--na); }
.probe > summary { display: grid; grid-template-columns: 58px minmax(200px, auto) 64px 1fr; gap: 4px 12px;
  align-items: baseline; padding: 10px 14px; cursor: pointer; list-style: none; }
.probe > summary::-webkit-details-marker { display: none; }
.probe .id { font-weight: 600; }
.probe .kind { color: var(--muted); font-size: 12px; }
.probe .title { font-weight: 600; }
.probe .summary { grid-column: 2 / -1; color: var(--muted); overflow-wrap: anywhere; }
.probe .body { padding: 0 16px 14px 84px; }
.why { margin: 0 0 8px; }
.details { margin: 0 0 8px; padding-left: 18px; color: var(--muted); font-size: 13px; overflow-wrap: anywhere; }
.fix { margin: 8px 0; padding: 8px 12px; border-radius: 8px; background: var(--bg); }
.fix strong { color: var(--accent); margin-right: 6px; }
.evidence summary { cursor: pointer; color: var(--accent); font-size: 13px; margin: 6px 0; }
.exchange { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; margin: 8px 0; }
pre { margin: 0; padding: 10px; border-radius: 8px; background: var(--bg); border: 1px solid var(--line);
  font: 12px/1.45 var(--mono); white-space: pre-wrap; overflow-wrap: anywhere; max-height: 320px; overflow: auto; }
.notes ul { color: var(--muted); }
footer { margin: 32px 0; color: var(--muted); font-size: 12px; }
@media (max-width: 760px) {
  .hero { flex-direction: column; align-items: flex-start; }
  .probe > summary { grid-template-columns: 58px 1fr; }
  .probe .kind, .probe .title { grid-column: 2; }
  .probe .body { padding-left: 16px; }
  .exchange { grid-template-columns: 1fr; }
}
@media print { .probe { break-inside: avoid; } details.probe:not([open]) > .body { display: block; } }
`;

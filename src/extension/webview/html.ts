import { randomBytes } from 'node:crypto';
import { INITIAL_STATE_ELEMENT_ID } from '../../shared/webview.ts';

export interface PanelHtmlOptions {
  title: string;
  cspSource: string;
  scriptUri: string;
  styleUris: string[];
  initialState: unknown;
}

export function nonce(): string {
  return randomBytes(18).toString('base64');
}

/** Text for HTML content and attribute values: names from workspaces are data, never markup. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a <script> block: no "</script>", no HTML comment openers, no line separators. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value ?? null)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * The page shell of every panel: a strict CSP (nothing by default; our script by nonce; styles
 * from the extension's own resources or carrying the nonce; fonts and images only from the
 * extension) and the initial state as inert JSON.
 */
export function panelHtml(o: PanelHtmlOptions): string {
  const n = nonce();
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${n}'`,
    // The toolkit probes `:focus-visible` with a <style> element it stamps with the page's
    // csp-nonce (below): allowed by that nonce alone, never 'unsafe-inline'.
    `style-src ${o.cspSource} 'nonce-${n}'`,
    `font-src ${o.cspSource}`,
    `img-src ${o.cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta property="csp-nonce" content="${n}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${o.styleUris.map((u) => `<link rel="stylesheet" href="${escapeHtml(u)}">`).join('\n')}
<title>${escapeHtml(o.title)}</title>
</head>
<body>
<div id="app" role="main"></div>
<script type="application/json" id="${INITIAL_STATE_ELEMENT_ID}" nonce="${n}">${jsonForScript(o.initialState)}</script>
<script type="module" nonce="${n}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>`;
}

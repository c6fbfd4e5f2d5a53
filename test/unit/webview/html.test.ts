// The page shell every panel uses: its CSP and how workspace text gets into it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { panelHtml } from '../../../src/extension/webview/html.ts';

const page = (title = 'Experiments', initialState: unknown = { runs: [] }) => panelHtml({
  title, cspSource: 'https://file+.vscode-resource.vscode-cdn.net', scriptUri: 'https://x/dist/webview/experiments.js', styleUris: ['https://x/media/webview.css'], initialState,
});

function csp(html: string): Map<string, string[]> {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
  assert.ok(m, 'a CSP meta tag');
  return new Map(m[1]!.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
}

test('strict CSP: nothing by default, our script and the toolkit probe only by a fresh nonce', () => {
  const html = page();
  const policy = csp(html);
  assert.deepEqual(policy.get('default-src'), ["'none'"]);
  const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(policy.get('script-src')!.join(' '))?.[1];
  assert.ok(nonce && nonce.length >= 24, 'a nonce of 18 random bytes');
  assert.deepEqual(policy.get('script-src'), [`'nonce-${nonce}'`]);
  assert.deepEqual(policy.get('style-src'), ['https://file+.vscode-resource.vscode-cdn.net', `'nonce-${nonce}'`]);
  assert.ok(!html.includes('unsafe-inline') && !html.includes('unsafe-eval'));
  // The toolkit stamps its `:focus-visible` probe <style> with this nonce (else CSP blocks it).
  assert.match(html, new RegExp(`<meta property="csp-nonce" content="${nonce!.replace(/[+/]/g, '\\$&')}">`));
  for (const s of html.match(/<script\b[^>]*>/g)!) assert.match(s, new RegExp(`nonce="${nonce!.replace(/[+/]/g, '\\$&')}"`));
  assert.notEqual(/'nonce-([^']+)'/.exec(page())![1], nonce, 'a new nonce per page');
});

test('workspace text is data: title escaped, initial state inert JSON', () => {
  const hostile = '</script><img src=x onerror=alert(1)>\u2028&';
  const html = page(hostile, { name: hostile });
  assert.ok(!html.includes('<img'), 'no markup from the title or the state');
  assert.match(html, /<title>&lt;\/script&gt;&lt;img src=x onerror=alert\(1\)&gt;\u2028&amp;<\/title>/);
  const json = /<script type="application\/json" id="[^"]+" nonce="[^"]+">([^<]*)<\/script>/.exec(html)?.[1];
  assert.ok(json, 'the state block is not broken out of');
  assert.deepEqual(JSON.parse(json), { name: hostile });
});

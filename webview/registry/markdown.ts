/**
 * A small Markdown renderer for model cards that builds DOM nodes, never HTML strings: whatever a
 * card says (including raw HTML) shows as text. It covers what cards use — headings, paragraphs,
 * lists, block quotes, fenced code, tables, emphasis, inline code and links — and nothing that
 * could run or load anything. Links are shown, not followed (the CSP would block them anyway).
 */
import { h } from '../components/dom.ts';

export function renderMarkdown(text: string): HTMLElement {
  const root = h('div', { class: 'markdown' });
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (/^\s*$/.test(line)) { i++; continue; }
    const fence = /^\s*(```|~~~)/.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trim().startsWith(fence[1]!)) body.push(lines[i++]!);
      i++;
      root.append(h('pre', {}, h('code', {}, body.join('\n'))));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const level = Math.min(6, heading[1]!.length + 1) as 2 | 3 | 4 | 5 | 6;
      root.append(inline(h(`h${level}`, {}), heading[2]!));
      i++;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) { root.append(h('hr')); i++; continue; }
    if (/^\s*\|.*\|\s*$/.test(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{2,}/.test(lines[i + 1]!)) {
      const rows: string[][] = [];
      const split = (l: string) => l.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
      const head = split(line);
      i += 2;
      while (i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i]!)) rows.push(split(lines[i++]!));
      root.append(h('table', { class: 'grid-table' },
        h('thead', {}, h('tr', {}, ...head.map((c) => inline(h('th'), c)))),
        h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => inline(h('td'), c)))))));
      continue;
    }
    if (/^\s*>/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && /^\s*>/.test(lines[i]!)) body.push(lines[i++]!.replace(/^\s*>\s?/, ''));
      const q = h('blockquote');
      q.append(...renderMarkdown(body.join('\n')).childNodes);
      root.append(q);
      continue;
    }
    const item = /^\s*([-*+]|\d+[.)])\s+/;
    if (item.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const list = h(ordered ? 'ol' : 'ul');
      while (i < lines.length && item.test(lines[i]!)) {
        let content = lines[i++]!.replace(item, '');
        while (i < lines.length && /^\s{2,}\S/.test(lines[i]!) && !item.test(lines[i]!)) content += ` ${lines[i++]!.trim()}`;
        const task = /^\[( |x|X)\]\s+/.exec(content);
        const li = h('li');
        if (task) li.append(task[1] === ' ' ? '☐ ' : '☑ ');
        list.append(inline(li, task ? content.slice(task[0].length) : content));
      }
      root.append(list);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && !/^\s*$/.test(lines[i]!) && !/^(#{1,6}\s|\s*```|\s*~~~|\s*>|\s*([-*+]|\d+[.)])\s+)/.test(lines[i]!)) para.push(lines[i++]!.trim());
    root.append(inline(h('p'), para.join(' ')));
  }
  return root;
}

/** Inline spans: `code`, **strong**, *em* / _em_, [text](url). Everything else is text. */
function inline<T extends HTMLElement>(el: T, text: string): T {
  const re = /(`+)(.+?)\1|\*\*(.+?)\*\*|__(.+?)__|\*(?!\s)(.+?)\*|(?<![\w])_(?!\s)(.+?)_(?![\w])|\[([^\]]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) el.append(text.slice(last, m.index));
    if (m[2] !== undefined) el.append(h('code', {}, m[2]));
    else if (m[3] !== undefined || m[4] !== undefined) el.append(inline(h('strong'), (m[3] ?? m[4])!));
    else if (m[5] !== undefined || m[6] !== undefined) el.append(inline(h('em'), (m[5] ?? m[6])!));
    else if (m[7] !== undefined) el.append(inline(h('span', { class: 'md-link', title: m[8] }), m[7]), h('span', { class: 'muted' }, ` (${m[8]})`));
    last = m.index + m[0].length;
  }
  if (last < text.length) el.append(text.slice(last));
  return el;
}

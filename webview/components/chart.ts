/**
 * Theme-aware Chart.js. Charts draw on canvas, so CSS variables do not reach them: read the theme's
 * colours when drawing, and redraw when VS Code switches theme (it changes <body>'s class).
 */
import {
  Chart, BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement,
  LogarithmicScale, PointElement, ScatterController, Title, Tooltip, type ChartConfiguration, type ChartType,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, ScatterController, Title, Tooltip);

export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

/** A palette that reads well on light, dark and high-contrast themes (VS Code's chart colours first). */
export function palette(): string[] {
  return [
    cssVar('--vscode-charts-blue', '#3794ff'),
    cssVar('--vscode-charts-orange', '#d18616'),
    cssVar('--vscode-charts-green', '#89d185'),
    cssVar('--vscode-charts-purple', '#b180d7'),
    cssVar('--vscode-charts-red', '#f14c4c'),
    cssVar('--vscode-charts-yellow', '#cca700'),
    '#4dc9c0', '#e478b8', '#8f9bd4', '#a3a35c',
  ];
}

function applyTheme(): void {
  Chart.defaults.color = cssVar('--vscode-foreground', '#cccccc');
  Chart.defaults.borderColor = cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)');
  Chart.defaults.font.family = cssVar('--vscode-font-family', 'sans-serif');
  const size = parseFloat(cssVar('--vscode-font-size', '13'));
  if (Number.isFinite(size)) Chart.defaults.font.size = size;
}

const live = new Set<Chart>();
let observer: MutationObserver | undefined;

/** Create a chart that follows the theme; `build` is called again on theme change. */
export function themedChart<T extends ChartType>(canvas: HTMLCanvasElement, build: () => ChartConfiguration<T>): Chart<T> {
  applyTheme();
  const chart = new Chart(canvas, build()) as Chart<T>;
  (chart as unknown as { __build: () => ChartConfiguration<T> }).__build = build;
  live.add(chart as unknown as Chart);
  if (!observer) {
    observer = new MutationObserver(() => {
      applyTheme();
      for (const c of live) {
        const cfg = (c as unknown as { __build: () => ChartConfiguration }).__build();
        c.data = cfg.data;
        if (cfg.options) c.options = cfg.options;
        c.update('none');
      }
    });
    observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }
  return chart;
}

export function destroyChart(chart: Chart | undefined): void {
  if (!chart) return;
  live.delete(chart);
  chart.destroy();
}

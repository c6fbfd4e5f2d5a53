import { INITIAL_STATE_ELEMENT_ID, type ResponseEnvelope } from '../../src/shared/webview.ts';

interface VsCodeApi<S> {
  postMessage(message: unknown): void;
  getState(): S | undefined;
  setState(state: S): void;
}
declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

/**
 * The page's side of the contract: typed posts, requests answered by correlation id, persisted UI
 * state (survives hiding and reloads), and the state embedded in the HTML.
 * `Out` is what the page sends, `In` what the host posts, `S` the persisted UI state.
 */
export class Host<Out extends { type: string }, In extends { type: string }, S = unknown> {
  private readonly api = acquireVsCodeApi<S>();
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners: Array<(m: In) => void> = [];

  constructor() {
    window.addEventListener('message', (ev: MessageEvent) => {
      const m = ev.data as { type?: string } | undefined;
      if (!m || typeof m.type !== 'string') return;
      if (m.type === 'response') {
        const r = m as ResponseEnvelope;
        const p = this.pending.get(r.id);
        if (!p) return;
        this.pending.delete(r.id);
        if (r.ok) p.resolve(r.result);
        else p.reject(new Error(r.error ?? 'request failed'));
        return;
      }
      for (const l of this.listeners) l(m as In);
    });
  }

  /** Call once the page listens; the host waits for it before posting. */
  ready(): void {
    this.api.postMessage({ type: 'ready' });
  }

  post(message: Out): void {
    this.api.postMessage(message);
  }

  request<R>(method: string, params?: unknown): Promise<R> {
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.api.postMessage({ type: 'request', id, method, params });
    });
  }

  onMessage(fn: (m: In) => void): void {
    this.listeners.push(fn);
  }

  get state(): S | undefined {
    return this.api.getState();
  }

  set state(s: S) {
    this.api.setState(s);
  }

  static initialState<T>(): T {
    const el = document.getElementById(INITIAL_STATE_ELEMENT_ID);
    return JSON.parse(el?.textContent ?? 'null') as T;
  }
}

/**
 * The envelope every panel's messages travel in. Each panel defines its own discriminated unions
 * (`src/shared/<panel>.ts`); these are the parts all panels share.
 */

/** Webview → host: the first message, sent once the app's listeners are in place. */
export interface ReadyMessage {
  type: 'ready';
}

/** Webview → host: a request that expects one reply with the same id. */
export interface RequestEnvelope<T extends string = string, P = unknown> {
  type: 'request';
  id: number;
  method: T;
  params: P;
}

/** Host → webview: the reply to a request. */
export interface ResponseEnvelope<R = unknown> {
  type: 'response';
  id: number;
  ok: boolean;
  result?: R;
  error?: string;
}

/** Element id of the JSON block holding the state the page starts with (no wait for a round trip). */
export const INITIAL_STATE_ELEMENT_ID = 'mlops-initial-state';

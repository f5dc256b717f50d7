// Shared by the browser apps: live updates over the app's event stream (`<bff>/api/events`, server-sent events).
// One EventSource per app, open only while some component listens. Each listener names the events it wants and gets
// (event name, parsed data); `undefined` data means "events may have been missed: refetch". That happens after a
// reconnection, and each time the browser gives up on the stream (the server refused it, e.g. an ended session), so
// a list stays fresh while the stream is down and that fetch notices the ended session (and goes to sign in).
// The browser reconnects by itself after a dropped connection; after a refusal we do, with exponential backoff.
import { useEffect, useRef, useState } from 'preact/hooks';

export type LiveState = 'connecting' | 'live' | 'reconnecting';
export type LiveListener = (event: string, data: unknown) => void;

const listeners = new Map<LiveListener, readonly string[]>();
const watchers = new Set<(state: LiveState) => void>();
let source: EventSource | undefined; // kept (closed) while a retry waits
let timer: ReturnType<typeof setTimeout> | undefined;
let retries = 0;
let state: LiveState = 'connecting';
let url = '';

function setState(next: LiveState): void {
  state = next;
  for (const w of watchers) w(next);
}

/** Tells the listeners of `event`; without one (a gap), tells every listener about each of its events. */
function dispatch(event?: string, data?: unknown): void {
  for (const [listener, events] of listeners) {
    for (const e of events) if (!event || e === event) listener(e, data);
  }
}

// One handler for all event names: registering it again for a name is a no-op.
function onMessage(m: Event): void {
  let data: unknown;
  try {
    data = JSON.parse((m as MessageEvent<string>).data);
  } catch {
    // unreadable: `undefined`, as after a gap
  }
  dispatch(m.type, data);
}

const attach = (events: readonly string[]) => {
  for (const e of events) source?.addEventListener(e, onMessage);
};

function open(): void {
  const es = new EventSource(url);
  source = es;
  listeners.forEach(attach);
  es.onopen = () => {
    retries = 0;
    if (state === 'reconnecting') dispatch(); // after a gap
    setState('live');
  };
  es.onerror = () => {
    setState('reconnecting');
    // CLOSED: the browser gave up (an error answer, e.g. an ended session); else it retries by itself.
    if (es.readyState === EventSource.CLOSED) {
      dispatch();
      timer = setTimeout(open, Math.min(30_000, 1000 * 2 ** retries++));
    }
  };
}

/**
 * Listens to `events` on the app's event stream (`bff` is the app's BFF base), which opens with the first listener
 * and closes after the last. Each subscription needs its own `listener` function.
 */
export function subscribe(bff: string, events: readonly string[], listener: LiveListener): () => void {
  url = `${bff}/api/events`;
  listeners.set(listener, events);
  if (source) attach(events);
  else open();
  return () => {
    listeners.delete(listener);
    if (listeners.size) return;
    source?.close();
    source = undefined;
    clearTimeout(timer);
    retries = 0;
    setState('connecting');
  };
}

/** Calls the latest `listener` for each of `events` while mounted (`undefined` data after a gap). */
export function useLiveEvents(bff: string, events: readonly string[], listener: LiveListener): void {
  const latest = useRef(listener);
  latest.current = listener;
  // A new array with the same names (a literal, each render) keeps the subscription.
  useEffect(() => subscribe(bff, events, (e, data) => latest.current(e, data)), [bff, events.join()]);
}

/** Calls the latest `onChange` (debounced) while mounted, whenever one of `events` arrives or may have been missed. */
export function useLive(bff: string, events: readonly string[], onChange: () => void, debounceMs = 200): void {
  const wait = useRef<ReturnType<typeof setTimeout>>(undefined);
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => () => clearTimeout(wait.current), []);
  useLiveEvents(bff, events, () => {
    clearTimeout(wait.current);
    wait.current = setTimeout(() => latest.current(), debounceMs);
  });
}

/** The stream's connection state (for an indicator); re-renders the component when it changes. */
export function useLiveState(): LiveState {
  const [current, set] = useState(state);
  useEffect(() => {
    watchers.add(set);
    set(state); // it may have changed since the render
    return () => void watchers.delete(set);
  }, []);
  return current;
}

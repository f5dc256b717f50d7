// A minimal server-sent events reader for tests: parses frames as they arrive and waits for one that matches.
// biome-ignore lint/suspicious/noExplicitAny: untyped JSON for assertions: tests check shapes with chai, not with the compiler
export type SseMessage = { id?: string; event?: string; data?: any };

export async function openStream(url: string, headers: Record<string, string>) {
  const gone = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: gone.signal });
  const messages: SseMessage[] = [];
  let waiting: (() => void) | undefined;
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const m: SseMessage = {};
          for (const line of frame.split('\n')) {
            const [, field, value] = /^([a-z]+): ?(.*)$/.exec(line) ?? [];
            if (field === 'id') m.id = value;
            if (field === 'event') m.event = value;
            if (field === 'data') m.data = JSON.parse(value!);
          }
          if (m.event) messages.push(m);
          waiting?.();
        }
      }
    } catch {
      // aborted by close()
    }
    waiting?.();
  })();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    messages,
    /** Settles when the stream ends: the server ended it, or close() did. */
    ended: reading,
    /** The first message (from the start of the stream) that matches, waiting for it if need be. */
    async next(match: (m: SseMessage) => boolean, timeoutMs = 10_000): Promise<SseMessage> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching event; got ${JSON.stringify(messages)}`);
        await new Promise<void>((r) => {
          waiting = r;
          setTimeout(r, 100);
        });
      }
    },
    async close() {
      gone.abort();
      await reading;
    },
  };
}

// A list staff reorder by dragging an item onto another, or with its up and down buttons (the keyboard's way, which
// keeps focus on the moved item's button). Used by the portal sections editor and the flow step editor.
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

/** `list` with the item at `from` moved to `to`. */
export function move<T>(list: T[], from: number, to: number): T[] {
  const next = list.slice();
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item!);
  return next;
}

export function ReorderList<T>({
  items,
  keyOf,
  labelOf,
  upLabel,
  downLabel,
  can,
  onMove,
  children,
  testId,
  class: cls,
}: {
  items: T[];
  keyOf: (item: T) => string;
  labelOf: (item: T) => string;
  upLabel: (label: string) => string;
  downLabel: (label: string) => string;
  can: boolean;
  /** The item at `from` goes to `to` (indices into `items`). */
  onMove: (from: number, to: number) => void;
  /** What an item shows between its drag handle and its move buttons. */
  children: (item: T, index: number) => ComponentChildren;
  testId?: string;
  class?: string;
}) {
  const [dragging, setDragging] = useState<string | null>(null);
  const [over, setOver] = useState<string | null>(null);
  const focusAfter = useRef<{ key: string; dir: 'up' | 'down' } | null>(null);
  const list = useRef<HTMLOListElement>(null);
  const pressed = useRef<string | null>(null);

  useLayoutEffect(() => {
    const f = focusAfter.current;
    if (!f) return;
    focusAfter.current = null;
    const btn = (dir: string) => list.current?.querySelector<HTMLButtonElement>(`li[data-key="${CSS.escape(f.key)}"] button[data-dir="${dir}"]`);
    const b = btn(f.dir);
    (b && !b.disabled ? b : btn(f.dir === 'up' ? 'down' : 'up'))?.focus();
  });

  const moveBy = (i: number, delta: -1 | 1) => {
    const j = i + delta;
    if (j < 0 || j >= items.length) return;
    focusAfter.current = { key: keyOf(items[i]!), dir: delta < 0 ? 'up' : 'down' };
    onMove(i, j);
  };

  const drop = (fromKey: string, toKey: string) => {
    const from = items.findIndex((s) => keyOf(s) === fromKey);
    const to = items.findIndex((s) => keyOf(s) === toKey);
    if (from < 0 || to < 0 || from === to) return;
    onMove(from, to);
  };

  const endDrag = () => {
    pressed.current = null;
    setDragging(null);
    setOver(null);
  };

  return (
    <ol data-testid={testId} class={cls} ref={list}>
      {items.map((s, i) => {
        const key = keyOf(s);
        const label = labelOf(s);
        return (
          <li
            key={key}
            data-key={key}
            draggable={can}
            class={(dragging === key ? 'dragging' : '') + (over === key && dragging !== key ? ' over' : '')}
            onPointerDown={() => {
              pressed.current = key;
            }}
            onDragStart={(e) => {
              // The item the pointer went down on: the browser may name another one when the page scrolled
              // between the press and the first move.
              const k = pressed.current ?? key;
              setDragging(k);
              if (e.dataTransfer) {
                e.dataTransfer.setData('text/plain', k);
                e.dataTransfer.effectAllowed = 'move';
              }
            }}
            onDragOver={(e) => {
              e.preventDefault();
              if (e.dataTransfer) e.dataTransfer.dropEffect = 'move';
              if (over !== key) setOver(key);
            }}
            onDrop={(e) => {
              e.preventDefault();
              const from = dragging ?? e.dataTransfer?.getData('text/plain') ?? '';
              endDrag();
              if (can) drop(from, key);
            }}
            onDragEnd={endDrag}
          >
            <span class="handle" aria-hidden="true">
              ⠿
            </span>
            {children(s, i)}
            <span class="moves">
              <button
                type="button"
                class="btn icon"
                data-dir="up"
                aria-label={upLabel(label)}
                disabled={!can || i === 0}
                onClick={() => moveBy(i, -1)}
              >
                ↑
              </button>
              <button
                type="button"
                class="btn icon"
                data-dir="down"
                aria-label={downLabel(label)}
                disabled={!can || i === items.length - 1}
                onClick={() => moveBy(i, 1)}
              >
                ↓
              </button>
            </span>
          </li>
        );
      })}
    </ol>
  );
}

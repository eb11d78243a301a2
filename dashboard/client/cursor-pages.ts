/** Cursor paging state: the cursors of the pages before this one, so Previous needs no offset. */
import { useState } from 'hono/jsx/dom';

export function useCursorPages() {
  const [stack, setStack] = useState<(string | null)[]>([null]);
  const cursor = stack[stack.length - 1] ?? null;
  return {
    cursor,
    page: stack.length - 1,
    next(nextCursor: string | null) {
      if (nextCursor) setStack((s) => [...s, nextCursor]);
    },
    prev() {
      setStack((s) => (s.length > 1 ? s.slice(0, -1) : s));
    },
    reset() {
      setStack([null]);
    },
  };
}

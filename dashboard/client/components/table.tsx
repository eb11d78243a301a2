/** @jsxImportSource hono/jsx/dom */
/**
 * A list as a table, from a definition of its columns: the scrolling wrapper, a caption for screen
 * readers, a header of `scope="col"` cells, and one row a item whose cells carry their column's name in
 * `data-label`, which the narrow layout (table.stack in styles.css) shows before each value. With no
 * rows it shows `empty` (or nothing) instead of a table with a header and no body.
 */
import type { Child } from 'hono/jsx/dom';

export interface Column<T> {
  /** The header, and the cells' data-label unless `label` is given. */
  header: string;
  /** The name the narrow layout shows before each value, where the header is too short ('#'). */
  label?: string;
  /** A column with no visible header (row actions): the header is for screen readers, cells have no label. */
  actions?: boolean;
  cell(row: T): Child;
  class?: string;
  testid?: string;
  title?(row: T): string | undefined;
}

/** A row's data-* attributes, which the tests and styles read. */
export type RowAttrs = Record<`data-${string}`, string | number | undefined>;

interface Props<T> {
  /** `false` leaves a column out (a column only some uses of the table show). */
  columns: (Column<T> | false)[];
  rows: readonly T[];
  caption?: string;
  testid?: string;
  /** The rows' data-testid. */
  rowTestid?: string;
  /** The row's key among the rows, so a row (and a button's state in it) stays with its item as the list moves. */
  rowKey?(item: T): string;
  row?(item: T): RowAttrs;
  /** What to show when there are no rows. */
  empty?: Child;
}

export function Table<T>({ columns, rows, caption, testid, rowTestid, rowKey, row, empty }: Props<T>) {
  if (rows.length === 0) return <>{empty ?? null}</>;
  const shown = columns.filter((c): c is Column<T> => c !== false);
  return (
    <div class="table-wrap">
      <table class="stack" data-testid={testid}>
        {caption ? <caption class="sr-only">{caption}</caption> : null}
        <thead>
          <tr>
            {shown.map((c) => (
              <th scope="col">{c.actions ? <span class="sr-only">{c.header}</span> : c.header}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((item) => (
            // The key stays before the spread: after one, JSX would pass it along as an attribute.
            <tr key={rowKey?.(item)} data-testid={rowTestid} {...row?.(item)}>
              {shown.map((c) => (
                <td data-label={c.actions ? '' : (c.label ?? c.header)} class={c.class} data-testid={c.testid} title={c.title?.(item)}>
                  {c.cell(item)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

import { english, id, said, type MessageParam, type ServerMessage } from '../wire/messages.ts';

/** A place in a route's file as the pages say it: a line of a text file in words, a path in a JSON or XML file as written. */
export function placeSaid(where: string): MessageParam {
  const line = /^line (\d+)$/.exec(where);
  if (line) return said('route_where_line', { n: Number(line[1]) });
  const lineColumn = /^line (\d+), column (\d+)$/.exec(where);
  if (lineColumn) return said('import_where_line_column', { line: Number(lineColumn[1]), column: Number(lineColumn[2]) });
  if (where === 'takeoff (added)') return said('route_where_added_takeoff');
  if (where === 'return to launch (added)') return said('route_where_added_return');
  return id(where);
}

/** A value from the file, shown as it was written there. */
export const asWritten = (v: unknown) => id(String(JSON.stringify(v)));

/** A problem found in a route file, named by file and place, for people to act on. */
export interface Issue {
  level: 'error' | 'warning';
  file: string;
  /** index into route.items when the problem is about one mission item, else null */
  item: number | null;
  /** where in the file: "mission.items[3]", "line 5", "geoFence.polygons[0]", "" for the whole file */
  where: string;
  /** in English (API, logs) */
  message: string;
  /** the same as code and parameters, for the pages to say in their language, where it has one */
  said?: ServerMessage;
  /** where, said in the page's language (a place in the route, or in its file) */
  whereSaid?: MessageParam;
}

export function issueText(i: Issue): string {
  return [i.file, i.where, i.message].filter(Boolean).join(': ');
}

/** A file that could not be read as a route; lists every problem found, each with its place. */
export class ParseError extends Error {
  constructor(readonly file: string, readonly issues: Issue[]) {
    super(issues.map(issueText).join('\n'));
    this.name = 'ParseError';
  }
}

/**
 * A file refused for what it is rather than for a mistake in it: XML entities, nesting beyond
 * reason, more points than a drone can hold. The request that brought it is bad input (400).
 */
export class RefusedFile extends ParseError {
  constructor(file: string, where: string, why: ServerMessage) {
    super(file, [{ level: 'error', file, item: null, where, message: english(why), said: why, ...(where ? { whereSaid: placeSaid(where) } : {}) }]);
    this.name = 'RefusedFile';
  }
}

/**
 * Problems listed for one file. A file wrong throughout (every position of a 4 MB line: 500,000
 * problems, 74 MB of answer, 4 s of work) is told by its first ones.
 */
export const MAX_LISTED_PROBLEMS = 100;

/** Collects problems while reading one file. */
export class Problems {
  readonly list: Issue[] = [];
  constructor(readonly file: string) {}

  /** what: a code and parameters (said in the page's language), or English where none is given yet */
  add(where: string, what: string | ServerMessage, item: number | null = null): void {
    if (this.full) return;
    const coded = typeof what === 'string' ? {} : { said: what };
    this.list.push({
      level: 'error',
      file: this.file,
      item,
      where,
      message: typeof what === 'string' ? what : english(what),
      ...coded,
      ...(where ? { whereSaid: placeSaid(where) } : {}),
    });
  }

  /** As many problems as are listed: readers may stop looking. */
  get full(): boolean {
    return this.list.length >= MAX_LISTED_PROBLEMS;
  }

  /** Throw if anything was found. */
  check(): void {
    if (!this.list.length) return;
    const tooMany = said('import_more', { n: MAX_LISTED_PROBLEMS });
    const more = this.full ? [{ level: 'error' as const, file: this.file, item: null, where: '', message: english(tooMany), said: tooMany }] : [];
    throw new ParseError(this.file, [...this.list, ...more]);
  }
}

import type { MessageParam, ServerMessage } from '../wire/messages.ts';

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
  constructor(file: string, where: string, message: string) {
    super(file, [{ level: 'error', file, item: null, where, message }]);
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

  add(where: string, message: string, item: number | null = null): void {
    if (!this.full) this.list.push({ level: 'error', file: this.file, item, where, message });
  }

  /** As many problems as are listed: readers may stop looking. */
  get full(): boolean {
    return this.list.length >= MAX_LISTED_PROBLEMS;
  }

  /** Throw if anything was found. */
  check(): void {
    if (!this.list.length) return;
    const more = this.full ? [{ level: 'error' as const, file: this.file, item: null, where: '', message: `only the first ${MAX_LISTED_PROBLEMS} problems are listed` }] : [];
    throw new ParseError(this.file, [...this.list, ...more]);
  }
}

import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Refusal, type RefusalKind } from '../refusal.ts';
import { EXTENSION, formatOf, parseRoute, routeId } from './formats/index.ts';
import type { LineImportOptions } from './formats/line-route.ts';
import { exportPlan } from './formats/plan.ts';
import { exportWaypoints, waypointsOmissions } from './formats/wpl.ts';
import { ParseError, RefusedFile, type Issue } from './issues.ts';
import { mb, ROUTE_MAX_BYTES } from './limits.ts';
import type { Route, RouteFormat } from './model.ts';
import { routeFromJson } from './route-json.ts';
import { checksOf, importWarnings, validateRoute, type ValidateOptions } from './validate.ts';
import { said, type ServerMessage } from '../wire/messages.ts';

export interface RouteEntry {
  id: string;
  /** file name in the missions folder */
  file: string;
  format: RouteFormat;
  mtimeMs: number;
  size: number;
  /** null when the file cannot be read as a route (issues say why) */
  route: Route | null;
  /** parse errors, or validation errors and warnings */
  issues: Issue[];
}

/** A new or replacement route: a file's text (.plan, .waypoints, .geojson, .kml) or route JSON. */
export type RouteInput = { fileName: string; content: string } & LineImportOptions | { route: unknown };

/** A route the folder refuses to write or cannot find; what was wrong in its file is in `issues`. */
export class RouteFileError extends Refusal {
  constructor(kind: RefusalKind, why: string | ServerMessage, readonly issues: Issue[] = []) {
    super(kind, why);
  }
}

export interface StoreOptions {
  validate?: ValidateOptions;
  /** quiet time after the last change in the folder before it is read again */
  debounceMs?: number;
}

interface StoreEvents {
  /** a route appeared, changed or (entry null) went away */
  changed: [id: string, entry: RouteEntry | null];
  error: [err: Error];
}

const ID = /^[\p{L}\p{N}][\p{L}\p{N}_.-]{0,99}$/u;
const TRASH = '.trash';
let tmpCounter = 0;

const hasErrors = (issues: Issue[]) => issues.some((i) => i.level === 'error');

/**
 * The missions folder as routes. Files copied in by hand appear on their own (the folder is
 * watched); writes go through a temporary file and a rename, only after the new route has
 * passed validation, so a good file is never replaced by a bad one. Replaced and deleted files
 * are kept in .trash/. Every change and every reading of the folder waits its turn in one queue:
 * two requests for the same route cannot both find it free or both replace the same file, and
 * a reading never sees a replacement half done.
 */
export class RouteStore extends EventEmitter<StoreEvents> {
  private entries = new Map<string, RouteEntry>();
  /** what each file held when last read, by file name, to skip files that have not changed */
  private files = new Map<string, RouteEntry>();
  private watcher: fs.FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** the folder's one queue: scans and changes, one at a time */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string, private readonly opts: StoreOptions = {}) {
    super();
  }

  async open(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    await this.rescan();
    this.watcher = fs.watch(this.dir, () => this.scheduleRescan());
    this.watcher.on('error', (err) => this.emit('error', err));
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearTimeout(this.timer);
  }

  list(): RouteEntry[] {
    return [...this.entries.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  get(id: string): RouteEntry | undefined {
    return this.entries.get(id);
  }

  validate(route: Route): Issue[] {
    return validateRoute(route, this.opts.validate);
  }

  /** The station's rules routes are held to (ceiling, geofence, no-fly zones, endurance, reserve). */
  get checks() {
    return checksOf(this.opts.validate);
  }

  /** Run after everything queued before it; what follows waits for it, whether it succeeds or fails. */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  create(input: RouteInput): Promise<RouteEntry> {
    return this.inTurn(async () => {
      const id = 'fileName' in input ? routeId(input.fileName) : this.idOfJson(input.route);
      const taken = (file: string) => new RouteFileError('conflict', said('route_exists', { route: id, file }));
      const existing = this.entries.get(id);
      if (existing) throw taken(existing.file);
      const { file, text, notes } = this.prepare(id, input, null);
      // A file copied in by hand since the last scan is not overwritten either.
      if (!(await this.writeAtomic(file, text, 'new'))) throw taken(file);
      return this.fresh(id, notes);
    });
  }

  replace(id: string, input: RouteInput): Promise<RouteEntry> {
    return this.inTurn(() => this.replaceNow(id, input));
  }

  private async replaceNow(id: string, input: RouteInput): Promise<RouteEntry> {
    const old = this.entries.get(id);
    if (!old) throw new RouteFileError('not_found', said('route_unknown', { route: id }));
    const { file, text, notes } = this.prepare(id, input, old);
    if (file === old.file) await this.copyToTrash(old.file);
    await this.writeAtomic(file, text, 'replace');
    if (file !== old.file) await this.toTrash(old.file);
    return this.fresh(id, notes);
  }

  /**
   * What an import would make, written nowhere: the route read from the file and every problem
   * the folder would find (errors included, so the pilot sees them before deciding), or the
   * RouteFileError a save would throw when the file cannot be read at all. `exists`: a save
   * would replace a route of that id.
   */
  preview(input: Extract<RouteInput, { fileName: string }>): { entry: RouteEntry; exists: boolean } {
    const id = routeId(input.fileName);
    const { route, format } = this.parseInput(id, input, null);
    // validate() lists what reading the file changed (a simplified line) first, as a save's answer does.
    const entry: RouteEntry = {
      id,
      file: `${id}${EXTENSION[format]}`,
      format,
      mtimeMs: 0,
      size: Buffer.byteLength(input.content),
      route,
      issues: this.validate(route),
    };
    return { entry, exists: this.entries.has(id) };
  }

  /** A new name (id and file name) for a route; its file keeps its text and format. Refused if the name is taken. */
  rename(id: string, to: string): Promise<RouteEntry> {
    return this.inTurn(async () => {
      const old = this.entries.get(id);
      if (!old) throw new RouteFileError('not_found', said('route_unknown', { route: id }));
      checkId(to);
      const file = `${to}${path.extname(old.file)}`;
      const taken = this.entries.get(to);
      if (taken) throw new RouteFileError('conflict', said('route_name_taken', { route: to, file: taken.file }));
      try {
        // A link, not a rename: it never replaces a file of that name copied in since the last scan.
        await fsp.link(path.join(this.dir, old.file), path.join(this.dir, file));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST')
          throw new RouteFileError('conflict', said('route_file_taken', { file }));
        throw err;
      }
      await fsp.rm(path.join(this.dir, old.file));
      return this.fresh(to, []);
    });
  }

  /** New names, schedule, default drone or notes for a route, its mission unchanged; validated and kept as any change is. */
  updateMeta(id: string, meta: Partial<Route['meta']>): Promise<RouteEntry> {
    return this.inTurn(() => {
      const old = this.entries.get(id);
      if (!old) throw new RouteFileError('not_found', said('route_unknown', { route: id }));
      if (!old.route) throw new RouteFileError('unprocessable', said('route_fix_file_first', { file: old.file }), old.issues);
      // Through JSON, as the page would send it: NaN ("unset") travels as null.
      const json = JSON.parse(JSON.stringify({ ...old.route, meta: { ...old.route.meta, ...meta } })) as unknown;
      return this.replaceNow(id, { route: json });
    });
  }

  remove(id: string): Promise<void> {
    return this.inTurn(async () => {
      const old = this.entries.get(id);
      if (!old) throw new RouteFileError('not_found', said('route_unknown', { route: id }));
      await this.toTrash(old.file);
      await this.scan();
    });
  }

  private idOfJson(body: unknown): string {
    const id = typeof body === 'object' && body && 'id' in body ? (body as { id: unknown }).id : undefined;
    if (typeof id !== 'string') throw new RouteFileError('invalid', said('route_needs_id'));
    return id;
  }

  /** The file to write for this input, after parsing and validation; throws RouteFileError otherwise. */
  private prepare(id: string, input: RouteInput, old: RouteEntry | null): { file: string; text: string; notes: Issue[] } {
    const { route, format, text, notes } = this.parseInput(id, input, old);
    const issues = this.validate(route);
    if (hasErrors(issues)) throw new RouteFileError('unprocessable', said('route_has_errors', { file: route.source.file }), issues);
    // Checked on what is written, so nothing is written that the folder would not read back.
    const size = Buffer.byteLength(text);
    if (size > ROUTE_MAX_BYTES)
      throw new RouteFileError(
        'too_large',
        said('route_written_too_large', { file: route.source.file, size: mb(size), max: mb(ROUTE_MAX_BYTES) }),
      );
    return { file: `${id}${EXTENSION[format]}`, text, notes };
  }

  /** The route an input makes and the text to write for it, before validation; throws RouteFileError when it cannot be read. */
  private parseInput(id: string, input: RouteInput, old: RouteEntry | null): { route: Route; format: RouteFormat; text: string; notes: Issue[] } {
    checkId(id);
    let route: Route;
    let format: RouteFormat;
    let text: string;
    if ('fileName' in input) {
      format = formatOf(input.fileName, input.content) ??
        fail('invalid', said('route_file_type', { file: input.fileName }));
      const name = `${id}${path.extname(input.fileName).toLowerCase()}`;
      const size = Buffer.byteLength(input.content);
      if (size > ROUTE_MAX_BYTES) throw new RouteFileError('too_large', said('route_file_too_large', { file: name, size: mb(size), max: mb(ROUTE_MAX_BYTES) }));
      try {
        route = parseRoute(input.content, name, { altitude: input.altitude });
      } catch (err) {
        if (err instanceof RefusedFile)
          throw new RouteFileError('invalid', said('route_file_refused', { file: name, problems: err.issues.map(saidOf) }), err.issues);
        if (err instanceof ParseError) throw new RouteFileError('unprocessable', said('route_file_unreadable', { file: name }), err.issues);
        throw err;
      }
      // GIS lines are converted once; plans and waypoint files are kept exactly as the pilot made them.
      if (format === 'geojson' || format === 'kml') {
        format = 'plan';
        text = exportPlan(route);
      } else {
        text = input.content;
      }
    } else {
      const parsed = routeFromJson(input.route, id, `${id}.plan`);
      if (typeof parsed === 'string') throw new RouteFileError('invalid', parsed);
      route = parsed;
      // Keep the file's QGroundControl extras (surveys, speeds) and its format when nothing would be lost.
      if (old?.route?.plan) route.plan = old.route.plan;
      format = old?.format === 'waypoints' && waypointsOmissions(route).length === 0 ? 'waypoints' : 'plan';
      route.source.file = `${id}${EXTENSION[format]}`;
      text = format === 'waypoints' ? exportWaypoints(route) : exportPlan(route);
    }
    return { route, format, text, notes: importWarnings(route) };
  }

  /**
   * Write through a temporary file: renamed over the old one ("replace"), or linked in only if
   * no file has that name ("new"; false when one has).
   */
  private async writeAtomic(file: string, text: string, mode: 'new' | 'replace'): Promise<boolean> {
    const tmp = path.join(this.dir, `.${file}.${process.pid}.${++tmpCounter}.tmp`);
    try {
      await fsp.writeFile(tmp, text, 'utf8');
      if (mode === 'replace') await fsp.rename(tmp, path.join(this.dir, file));
      else await fsp.link(tmp, path.join(this.dir, file));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await fsp.rm(tmp, { force: true });
    }
  }

  /** A name in .trash/ no earlier copy has: the time, and a number when two copies share the millisecond. */
  private async trashName(file: string): Promise<string> {
    const trash = path.join(this.dir, TRASH);
    await fsp.mkdir(trash, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    for (let n = 1;; n++) {
      const name = path.join(trash, `${stamp}${n > 1 ? `-${n}` : ''}-${file}`);
      if (!fs.existsSync(name)) return name;
    }
  }

  private async toTrash(file: string): Promise<void> {
    await fsp.rename(path.join(this.dir, file), await this.trashName(file));
  }

  /** Before a file is replaced by one of the same name: the old text stays in .trash/. */
  private async copyToTrash(file: string): Promise<void> {
    await fsp.copyFile(path.join(this.dir, file), await this.trashName(file), fs.constants.COPYFILE_EXCL);
  }

  /** The route as read back from the folder, with what its import changed (a simplified line) among its warnings. */
  private async fresh(id: string, notes: Issue[]): Promise<RouteEntry> {
    await this.scan();
    const e = this.entries.get(id);
    if (!e) throw new Error(`route "${id}" was written but is not in ${this.dir}`);
    return notes.length ? { ...e, issues: [...notes, ...e.issues] } : e;
  }

  private scheduleRescan(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.rescan().catch((err: Error) => this.emit('error', err));
    }, this.opts.debounceMs ?? 150);
  }

  /** Read the folder again, in turn with changes; files unchanged since the last scan are not re-read. */
  rescan(): Promise<void> {
    return this.inTurn(() => this.scan());
  }

  private async scan(): Promise<void> {
    const names = (await fsp.readdir(this.dir, { withFileTypes: true }))
      .filter((d) => d.isFile() && !d.name.startsWith('.') && formatOf(d.name) !== null)
      .map((d) => d.name)
      .sort();
    const files = new Map<string, RouteEntry>();
    const byId = new Map<string, RouteEntry[]>();
    for (const name of names) {
      const e = await this.read(name);
      if (!e) continue;
      files.set(name, e);
      byId.set(e.id, [...(byId.get(e.id) ?? []), e]);
    }
    this.files = files;
    const next = new Map<string, RouteEntry>();
    for (const [id, found] of byId) {
      const e = found[0]!;
      const message = `${found.map((f) => f.file).join(', ')} all define route "${id}": rename or remove all but one`;
      next.set(id, found.length === 1 ? e : { ...e, route: null, issues: [{ level: 'error', file: e.file, item: null, where: '', message }] });
    }
    const before = this.entries;
    this.entries = next;
    for (const [id, e] of next) if (before.get(id) !== e) this.emit('changed', id, e);
    for (const id of before.keys()) if (!next.has(id)) this.emit('changed', id, null);
  }

  private async read(name: string): Promise<RouteEntry | null> {
    const full = path.join(this.dir, name);
    let stat: fs.Stats;
    try {
      stat = await fsp.stat(full);
    } catch {
      return null; // gone between readdir and stat
    }
    const id = routeId(name);
    const known = this.files.get(name);
    if (known && known.mtimeMs === stat.mtimeMs && known.size === stat.size) return known;
    const entry: RouteEntry = { id, file: name, format: formatOf(name)!, mtimeMs: stat.mtimeMs, size: stat.size, route: null, issues: [] };
    const problem = (message: string) => [{ level: 'error' as const, file: name, item: null, where: '', message }];
    if (stat.size > ROUTE_MAX_BYTES) return { ...entry, issues: problem(`${mb(stat.size)}: too large for a route (at most ${mb(ROUTE_MAX_BYTES)})`) };
    let text: string;
    try {
      text = await fsp.readFile(full, 'utf8');
    } catch (err) {
      return { ...entry, issues: problem(`cannot be read: ${(err as Error).message}`) };
    }
    const format = formatOf(name, text);
    if (!format) return null; // a .txt that is not a waypoint file
    if (!ID.test(id)) return { ...entry, issues: problem(`the file name makes the route id "${id}": use letters, digits, "-", "_" or "."`) };
    try {
      entry.route = parseRoute(text, name);
      entry.issues = this.validate(entry.route);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      entry.issues = err.issues;
    }
    return entry;
  }
}

function checkId(id: string): void {
  if (!ID.test(id)) {
    throw new RouteFileError('invalid', said('route_id_invalid', { id }));
  }
}

function fail(kind: 'invalid', why: ServerMessage): never {
  throw new RouteFileError(kind, why);
}

/** A problem as the pages say it: its code where it has one, its English otherwise. */
const saidOf = (i: Issue): ServerMessage | string => i.said ?? i.message;

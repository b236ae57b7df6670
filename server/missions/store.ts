import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { EXTENSION, formatOf, parseRoute, routeId } from './formats/index.ts';
import type { LineImportOptions } from './formats/line-route.ts';
import { exportPlan } from './formats/plan.ts';
import { exportWaypoints, waypointsOmissions } from './formats/wpl.ts';
import { ParseError, type Issue } from './issues.ts';
import type { Route, RouteFormat } from './model.ts';
import { routeFromJson } from './route-json.ts';
import { validateRoute, type ValidateOptions } from './validate.ts';

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

export class StoreError extends Error {
  constructor(readonly status: 400 | 404 | 409 | 422, message: string, readonly issues: Issue[] = []) {
    super(message);
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
const MAX_FILE_BYTES = 5 * 1024 * 1024;
const TRASH = '.trash';
let tmpCounter = 0;

const hasErrors = (issues: Issue[]) => issues.some((i) => i.level === 'error');

/**
 * The missions folder as routes. Files copied in by hand appear on their own (the folder is
 * watched); writes go through a temporary file and a rename, only after the new route has
 * passed validation, so a good file is never replaced by a bad one. Replaced and deleted files
 * are kept in .trash/.
 */
export class RouteStore extends EventEmitter<StoreEvents> {
  private entries = new Map<string, RouteEntry>();
  /** what each file held when last read, by file name, to skip files that have not changed */
  private files = new Map<string, RouteEntry>();
  private watcher: fs.FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> = Promise.resolve();

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

  async create(input: RouteInput): Promise<RouteEntry> {
    await this.scanning;
    const id = 'fileName' in input ? routeId(input.fileName) : this.idOfJson(input.route);
    if (this.entries.has(id)) throw new StoreError(409, `route "${id}" already exists (${this.entries.get(id)!.file}); use PUT to replace it`);
    const { file, text } = this.prepare(id, input, null);
    await this.writeAtomic(file, text);
    return this.fresh(id);
  }

  async replace(id: string, input: RouteInput): Promise<RouteEntry> {
    await this.scanning;
    const old = this.entries.get(id);
    if (!old) throw new StoreError(404, `no route "${id}"`);
    const { file, text } = this.prepare(id, input, old);
    await this.writeAtomic(file, text);
    if (file !== old.file) await this.toTrash(old.file);
    return this.fresh(id);
  }

  async remove(id: string): Promise<void> {
    await this.scanning;
    const old = this.entries.get(id);
    if (!old) throw new StoreError(404, `no route "${id}"`);
    await this.toTrash(old.file);
    await this.rescan();
  }

  private idOfJson(body: unknown): string {
    const id = typeof body === 'object' && body && 'id' in body ? (body as { id: unknown }).id : undefined;
    if (typeof id !== 'string') throw new StoreError(400, 'route.id: a new route needs an id (it becomes the file name)');
    return id;
  }

  /** The file to write for this input, after parsing and validation; throws StoreError otherwise. */
  private prepare(id: string, input: RouteInput, old: RouteEntry | null): { file: string; text: string } {
    if (!ID.test(id)) {
      throw new StoreError(400, `route id "${id}": use letters, digits, "-", "_" or "." (it becomes the file name), at most 100 characters`);
    }
    let route: Route;
    let format: RouteFormat;
    let text: string;
    if ('fileName' in input) {
      format = formatOf(input.fileName, input.content) ?? fail(400, `fileName "${input.fileName}": a route file ends with .plan, .waypoints, .geojson or .kml`);
      const name = `${id}${path.extname(input.fileName).toLowerCase()}`;
      try {
        route = parseRoute(input.content, name, { altitude: input.altitude });
      } catch (err) {
        if (err instanceof ParseError) throw new StoreError(422, `${name} cannot be read`, err.issues);
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
      if (typeof parsed === 'string') throw new StoreError(400, parsed);
      route = parsed;
      // Keep the file's QGroundControl extras (surveys, speeds) and its format when nothing would be lost.
      if (old?.route?.plan) route.plan = old.route.plan;
      format = old?.format === 'waypoints' && waypointsOmissions(route).length === 0 ? 'waypoints' : 'plan';
      route.source.file = `${id}${EXTENSION[format]}`;
      text = format === 'waypoints' ? exportWaypoints(route) : exportPlan(route);
    }
    const issues = this.validate(route);
    if (hasErrors(issues)) throw new StoreError(422, `${route.source.file} has errors; nothing was written`, issues);
    return { file: `${id}${EXTENSION[format]}`, text };
  }

  private async writeAtomic(file: string, text: string): Promise<void> {
    const tmp = path.join(this.dir, `.${file}.${process.pid}.${++tmpCounter}.tmp`);
    try {
      await fsp.writeFile(tmp, text, 'utf8');
      await fsp.rename(tmp, path.join(this.dir, file));
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  }

  private async toTrash(file: string): Promise<void> {
    const trash = path.join(this.dir, TRASH);
    await fsp.mkdir(trash, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    await fsp.rename(path.join(this.dir, file), path.join(trash, `${stamp}-${file}`));
  }

  private async fresh(id: string): Promise<RouteEntry> {
    await this.rescan();
    const e = this.entries.get(id);
    if (!e) throw new Error(`route "${id}" was written but is not in ${this.dir}`);
    return e;
  }

  private scheduleRescan(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.rescan().catch((err: Error) => this.emit('error', err));
    }, this.opts.debounceMs ?? 150);
  }

  /** Read the folder again; one scan at a time, files unchanged since the last scan are not re-read. */
  rescan(): Promise<void> {
    this.scanning = this.scanning.then(() => this.scan(), () => this.scan());
    return this.scanning;
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
    if (stat.size > MAX_FILE_BYTES) return { ...entry, issues: problem(`${stat.size} bytes: too large for a route (at most ${MAX_FILE_BYTES})`) };
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

function fail(status: 400, message: string): never {
  throw new StoreError(status, message);
}

import type { Db } from './connection.ts';

export interface VideoSourceRow {
  drone: string;
  uri: string;
  setBy: string;
  setAt: number;
}

/** Camera sources an admin set (they win over the configuration file's), kept across restarts. */
export class VideoSourceStore {
  constructor(private readonly db: Db) {}

  async all(): Promise<VideoSourceRow[]> {
    return this.db.k.selectFrom('video_sources').select(['drone', 'uri', 'set_by as setBy', 'set_at as setAt']).orderBy('drone').execute();
  }

  /** Sets the drone's source, replacing the one it had. */
  async put(r: VideoSourceRow): Promise<void> {
    await this.db.k.insertInto('video_sources')
      .values({ drone: r.drone, uri: r.uri, set_by: r.setBy, set_at: r.setAt })
      .onConflict((oc) =>
        oc.column('drone').doUpdateSet((eb) => ({ uri: eb.ref('excluded.uri'), set_by: eb.ref('excluded.set_by'), set_at: eb.ref('excluded.set_at') }))
      )
      .execute();
  }

  /** true when there was one */
  async remove(drone: string): Promise<boolean> {
    const r = await this.db.k.deleteFrom('video_sources').where('drone', '=', drone).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}

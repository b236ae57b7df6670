import { Connection } from '../../server/links/connection.ts';
import { createLink } from '../../server/links/create.ts';
import { Fleet } from '../../server/vehicles/fleet.ts';

/** A real ground-side stack (links → connections → fleet) without HTTP, for link-level tests. */
export async function groundStation(links: Record<string, string>) {
  const fleet = new Fleet({ sysid: 255, compid: 190 });
  const conns: Connection[] = [];
  for (const [id, uri] of Object.entries(links)) {
    const link = createLink(uri);
    const conn = new Connection(id, link, { sysid: 255, compid: 190 });
    await link.open();
    fleet.addConnection(conn);
    conns.push(conn);
  }
  return {
    fleet,
    conns,
    async close() {
      fleet.close();
      await Promise.all(conns.map((c) => c.close()));
    },
  };
}

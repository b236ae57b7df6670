import net from 'node:net';

/**
 * A TCP relay to a real server that a test can cut and mend: cut() drops every connection through
 * it and refuses new ones (as a restarted or unreachable PostgreSQL does); mend() lets them through
 * again, on the same port.
 */
export async function tcpCut(to: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let cut = false;
  let accepted = 0;
  const server = net.createServer((client) => {
    accepted++;
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = net.connect(to.port, to.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    /** connections tried through it so far, cut or not */
    accepted: () => accepted,
    cut(): void {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    mend(): void {
      cut = false;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// The officer page's service worker: it makes the page installable and says plainly when the
// network is gone. It caches nothing on purpose: a dispatch page must show live jobs or none.
const OFFLINE_PAGE = `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>SkyBeat</title><body style="background:#000;color:#fff;font:20px system-ui,sans-serif;padding:1.5rem">
<h1>无网络连接</h1><p>无法连接 SkyBeat 服务，收不到任务。请检查网络后重试。</p><p>离线时的回答已保存在本机，恢复网络后打开本页即会发送。</p>
<h1>No network</h1><p>SkyBeat cannot be reached, so no jobs can arrive. Check the network and try again.</p><p>Answers made offline are kept on this phone and sent when this page opens with a network.</p>
<p><a href="/officer" style="color:#5cc8ff;font-size:1.3em">重试 · Retry</a></p></body>`;

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  if (event.request.mode !== 'navigate') return;
  event.respondWith(fetch(event.request).catch(() => new Response(OFFLINE_PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } })));
});

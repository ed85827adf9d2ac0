// The fan-out baseline: a minimal broadcast server on Node's `ws`, run on
// the same machine in the same benchmark as nachbar, so fan-out is a ratio
// measured side by side rather than an absolute figure on a noisy machine.
//
// It speaks the part of nachbar's API the fan-out benchmark uses:
//   GET  /readyz                              200
//   POST /api/v1/n/:hood/hello/waves {message} 201 {id, from, message, private}
//        and broadcasts an `event` message shaped (and sized) like
//        nachbar's hello.waved event to every subscribed socket
//   /ws  subprotocol nachbar.v1; {"op":"subscribe",...} answers
//        {"op":"replayed",...}, then the socket receives events
// No database, no authentication, no visibility checks: it is what a
// broadcast costs in Node, the floor nachbar's fan-out is compared with.
// The message is serialised once into a Buffer and that Buffer is sent to
// every socket (the good Node pattern). No compression.
//
// Usage: node tests/bench/baseline-server.mjs --port P
import http from 'node:http';
import { WebSocketServer } from 'ws';

const args = process.argv.slice(2);
const port = Number(args[args.indexOf('--port') + 1]) || 8090;
const subscribers = new Set();
let lastId = 0;

function json(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/readyz') return json(res, 200, { status: 'ready' });
  const m = /^\/api\/v1\/n\/([a-z0-9-]+)\/hello\/waves$/.exec(req.url);
  if (req.method !== 'POST' || !m) return json(res, 404, { error: { code: 'not_found' } });
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body;
    try { body = JSON.parse(Buffer.concat(chunks)); } catch { return json(res, 400, { error: { code: 'bad_json' } }); }
    if (typeof body.message !== 'string') return json(res, 400, { error: { code: 'required', field: 'message' } });
    const id = ++lastId;
    const data = { id, from: 'Thomas Hoffmann', message: body.message, private: false };
    const msg = Buffer.from(JSON.stringify({
      op: 'event', id, ts: new Date().toISOString(), hood: m[1], topic: 'hello', type: 'hello.waved', data,
    }));
    for (const ws of subscribers) ws.send(msg, { binary: false });
    json(res, 201, data);
  });
});

const wss = new WebSocketServer({
  server, path: '/ws', perMessageDeflate: false, maxPayload: 65536,
  handleProtocols: (protocols) => (protocols.has('nachbar.v1') ? 'nachbar.v1' : false),
});
wss.on('connection', (ws) => {
  ws.on('message', (d) => {
    let msg;
    try { msg = JSON.parse(d); } catch { return; }
    if (msg.op === 'subscribe') {
      subscribers.add(ws);
      ws.send(JSON.stringify({ op: 'replayed', hood: msg.hood, last_id: lastId, count: 0, id: msg.id }));
    } else if (msg.op === 'ping') {
      ws.send(JSON.stringify({ op: 'pong', id: msg.id }));
    }
  });
  ws.on('close', () => subscribers.delete(ws));
  ws.on('error', () => {});
});

server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));

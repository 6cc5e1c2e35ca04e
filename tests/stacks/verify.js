// Node's verdict (tls, on the OpenSSL it links) on each case folder below
// process.argv[2]: a TLS server on a loopback port presents the leaf
// (leaf.pem, leaf.key) and the intermediates (chain.pem); a client connects
// with the trust anchors (anchors.pem) as `ca` and servername localhost.
// Every case at once; prints one JSON object: case name -> {"accepted",
// "detail"}. Run by tests/tests/stacks.rs.
'use strict';
const fs = require('fs');
const path = require('path');
const tls = require('tls');

function check(folder) {
  const read = (f) => fs.readFileSync(path.join(folder, f));
  return new Promise((resolve) => {
    let server;
    let settled = false;
    const done = (verdict, socket) => {
      if (settled) return;
      settled = true;
      if (socket) socket.destroy();
      if (server) server.close();
      resolve(verdict);
    };
    try {
      server = tls.createServer(
        { key: read('leaf.key'), cert: Buffer.concat([read('leaf.pem'), read('chain.pem')]) },
        (s) => s.end());
    } catch (e) {
      return done({ accepted: false, detail: `the server cannot load it: ${e.message}` });
    }
    server.on('tlsClientError', () => {});
    server.listen(0, '127.0.0.1', () => {
      let socket;
      try {
        socket = tls.connect({
          host: '127.0.0.1',
          port: server.address().port,
          servername: 'localhost',
          ca: read('anchors.pem'),
        }, () => done({ accepted: true, detail: '' }, socket));
      } catch (e) {
        return done({ accepted: false, detail: `the client cannot load it: ${e.message}` });
      }
      socket.on('error', (e) => done({ accepted: false, detail: `${e.code}: ${e.message}` }, socket));
    });
  });
}

(async () => {
  const root = process.argv[2];
  const names = fs.readdirSync(root).filter((n) => fs.statSync(path.join(root, n)).isDirectory()).sort();
  const verdicts = await Promise.all(names.map((n) => check(path.join(root, n))));
  const out = {};
  names.forEach((n, i) => { out[n] = verdicts[i]; });
  console.log(JSON.stringify(out));
})();

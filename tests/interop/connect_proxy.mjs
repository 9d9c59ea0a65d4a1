// An HTTP proxy that only tunnels (CONNECT), for the C++ client's proxy test: every
// host name it is asked for is reached on 127.0.0.1, so a name that does not resolve
// elsewhere proves the client went through it.
//
//   node tests/interop/connect_proxy.mjs [--port N]
//
// Prints "listening on port N"; exits on SIGTERM.
import http from "node:http";
import net from "node:net";

const at = process.argv.indexOf("--port");
const port = at > 0 ? Number(process.argv[at + 1]) : 0;

const proxy = http.createServer((req, res) => {
  res.writeHead(405).end("CONNECT only");
});
proxy.on("connect", (req, client, head) => {
  const [, targetPort] = req.url.split(/:(?=\d+$)/);
  const upstream = net.connect(Number(targetPort), "127.0.0.1", () => {
    client.write("HTTP/1.1 200 Connection established\r\n\r\n");
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  const drop = () => {
    upstream.destroy();
    client.destroy();
  };
  upstream.on("error", drop);
  client.on("error", drop);
});
proxy.listen(port, "127.0.0.1", () => console.log(`listening on port ${proxy.address().port}`));
process.on("SIGTERM", () => process.exit(0));

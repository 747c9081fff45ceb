// Preloaded with `node --import`: the fake calls `server.listen(port)`, which would accept
// connections on every interface. Force every TCP listener of this process onto 127.0.0.1.
import net from "node:net";

const LOOPBACK = "127.0.0.1";
const listen = net.Server.prototype.listen;

function isPort(value) {
  return (
    typeof value === "number" ||
    (typeof value === "string" && /^\d+$/.test(value))
  );
}

net.Server.prototype.listen = function (...args) {
  const callback =
    typeof args[args.length - 1] === "function" ? args.pop() : undefined;
  const [first] = args;
  let rewritten;
  if (first === undefined || first === null) {
    rewritten = [{ port: 0, host: LOOPBACK }];
  } else if (isPort(first)) {
    // listen(port, host?, backlog?): keep the backlog, replace the host.
    const backlog = typeof args[2] === "number" ? args[2] : undefined;
    rewritten = [{ port: Number(first), host: LOOPBACK, backlog }];
  } else if (
    typeof first === "object" &&
    first.path === undefined &&
    first.handle === undefined &&
    first._handle === undefined &&
    first.fd === undefined
  ) {
    rewritten = [{ ...first, host: LOOPBACK }];
  } else {
    // Unix sockets and inherited handles never reach the network.
    rewritten = args;
  }
  if (callback) rewritten.push(callback);
  return listen.apply(this, rewritten);
};

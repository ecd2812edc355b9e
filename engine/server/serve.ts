/**
 * A small static file server for a built site (the browser test, `benchbook serve`). Listens on
 * 127.0.0.1 only, serves files under `dir` and nothing outside it, maps `/x/` to `/x/index.html`.
 * Text (pages, scripts, styles, data) is gzip-compressed for clients that accept it: the chart pages'
 * JavaScript shrinks to about a third.
 */
import {createReadStream} from "node:fs";
import {pipeline} from "node:stream";
import {createGzip} from "node:zlib";
import {realpath, stat} from "node:fs/promises";
import http from "node:http";
import type {AddressInfo} from "node:net";
import path from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm"
};

const COMPRESSIBLE = /^(?:text\/|application\/(?:json|javascript)|image\/svg\+xml)/;

/** Whether an Accept-Encoding header admits gzip (q > 0, directly or through '*'). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const codings = new Map<string, number>();
  for (const part of (Array.isArray(header) ? header.join(",") : header ?? "").split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v != null);
    codings.set(name, q == null ? 1 : Number(q));
  }
  const q = codings.get("gzip") ?? codings.get("x-gzip") ?? codings.get("*");
  return q != null && q > 0;
}

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

export function serveDirectory(dir: string, options: {port?: number} = {}): Promise<StaticServer> {
  const root = path.resolve(dir);
  const server = http.createServer((request, response) => {
    void handle(root, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      const {port} = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.closeAllConnections();
            server.close((error) => (error ? fail(error) : done()));
          })
      });
    });
  });
}

/** A symlink inside the served folder must not serve a file from elsewhere (dist/leak.txt -> /etc/passwd). */
async function insideRealRoot(root: string, file: string): Promise<boolean> {
  const [realRoot, real] = await Promise.all([realpath(root), realpath(file).catch(() => null)]);
  return real !== null && (real === realRoot || real.startsWith(realRoot + path.sep));
}

async function handle(root: string, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, {allow: "GET, HEAD"}).end();
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
  } catch {
    response.writeHead(400).end();
    return;
  }
  let file = path.join(root, pathname);
  if (file !== root && !file.startsWith(root + path.sep)) {
    response.writeHead(403).end();
    return;
  }
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    if (!pathname.endsWith("/")) {
      // rebuilt from the resolved folder: the raw path ('//evil.example/..') would be an open redirect
      const rel = path.relative(root, file).split(path.sep).filter(Boolean).map(encodeURIComponent).join("/");
      response.writeHead(301, {location: rel ? `/${rel}/` : "/"}).end();
      return;
    }
    file = path.join(file, "index.html");
    info = await stat(file).catch(() => null);
  } else if (!info && !path.extname(file)) {
    // clean URLs: /timing -> /timing.html
    file = `${file}.html`;
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) {
    response.writeHead(404, {"content-type": "text/plain; charset=utf-8"}).end("not found\n");
    return;
  }
  if (!(await insideRealRoot(root, file))) {
    response.writeHead(403).end();
    return;
  }
  const type = TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
  const gzip = COMPRESSIBLE.test(type) && acceptsGzip(request.headers["accept-encoding"]);
  response.writeHead(200, {
    "content-type": type,
    ...(gzip ? {"content-encoding": "gzip"} : {"content-length": info.size}),
    vary: "accept-encoding",
    "cache-control": "no-cache"
  });
  if (request.method === "HEAD") {
    response.end();
    return;
  }
  if (gzip) pipeline(createReadStream(file), createGzip(), response, () => {});
  else createReadStream(file).pipe(response);
}

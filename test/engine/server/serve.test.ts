import {mkdir, mkdtemp, rm, symlink, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import http from "node:http";
import {gunzipSync} from "node:zlib";
import {acceptsGzip, serveDirectory, type StaticServer} from "../../../engine/server/serve.ts";

/** A raw GET (fetch would decompress on its own): status, headers and the bytes as sent. */
function rawGet(url: string, headers: Record<string, string>): Promise<{status: number; headers: http.IncomingHttpHeaders; body: Buffer}> {
  return new Promise((resolve, reject) => {
    http
      .get(url, {headers}, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks)}));
      })
      .on("error", reject);
  });
}

let root: string;
let server: StaticServer;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "bb-serve-"));
  await mkdir(path.join(root, "site", "releases", "v2.0"), {recursive: true});
  await writeFile(path.join(root, "secret.txt"), "outside");
  await writeFile(path.join(root, "site", "releases", "v2.0", "index.html"), "<p>release</p>");
  await writeFile(path.join(root, "site", "releases", "v2.0", "timing.html"), "<p>timing</p>");
  await writeFile(path.join(root, "site", "app.js"), "export const x = 1;");
  await symlink("/etc/passwd", path.join(root, "site", "leak.txt"));
  await symlink(root, path.join(root, "site", "up"));
  await symlink(path.join(root, "site", "app.js"), path.join(root, "site", "inside.js"));
  await writeFile(path.join(root, "site", "big.js"), `export const s = "${"chart ".repeat(20_000)}";`);
  await writeFile(path.join(root, "site", "image.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  server = await serveDirectory(path.join(root, "site"));
});

afterAll(async () => {
  await server.close();
  await rm(root, {recursive: true, force: true});
});

describe("serveDirectory", () => {
  it("gzips text for a client that accepts it, and sends the same bytes uncompressed to one that does not", async () => {
    const plain = await rawGet(new URL("big.js", server.url).href, {});
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.headers["content-length"]).toBe(String(plain.body.length));
    const gz = await rawGet(new URL("big.js", server.url).href, {"accept-encoding": "br;q=1, gzip;q=0.8"});
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gz.headers.vary).toMatch(/accept-encoding/i);
    expect(gz.body.length).toBeLessThan(plain.body.length / 10);
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    const refused = await rawGet(new URL("big.js", server.url).href, {"accept-encoding": "gzip;q=0, identity"});
    expect(refused.headers["content-encoding"]).toBeUndefined();
    // already-compressed formats are sent as they are
    const png = await rawGet(new URL("image.png", server.url).href, {"accept-encoding": "gzip"});
    expect(png.headers["content-encoding"]).toBeUndefined();
    expect([...png.body]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it("reads Accept-Encoding with q-values and wildcards", () => {
    expect(acceptsGzip("gzip")).toBe(true);
    expect(acceptsGzip("deflate, gzip;q=0.5")).toBe(true);
    expect(acceptsGzip("*")).toBe(true);
    expect(acceptsGzip("*;q=0")).toBe(false);
    expect(acceptsGzip("gzip;q=0, *")).toBe(false);
    expect(acceptsGzip("identity")).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });

  it("listens on 127.0.0.1 only", () => {
    expect(new URL(server.url).hostname).toBe("127.0.0.1");
  });

  it("serves files with their content type", async () => {
    const response = await fetch(new URL("app.js", server.url));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/javascript/);
    expect(await response.text()).toBe("export const x = 1;");
  });

  it("maps a folder to its index.html and a clean URL to its .html file", async () => {
    expect(await (await fetch(new URL("releases/v2.0/", server.url))).text()).toBe("<p>release</p>");
    expect(await (await fetch(new URL("releases/v2.0/timing", server.url))).text()).toBe("<p>timing</p>");
    const redirect = await fetch(new URL("releases/v2.0", server.url), {redirect: "manual"});
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get("location")).toBe("/releases/v2.0/");
  });

  it("never serves a file outside the folder", async () => {
    // fetch() normalises '..' away, so send the raw path
    const {request} = await import("node:http");
    const get = (rawPath: string) =>
      new Promise<number>((resolve, reject) => {
        const u = new URL(server.url);
        request({host: u.hostname, port: u.port, path: rawPath}, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on("error", reject)
          .end();
      });
    expect(await get("/..%2fsecret.txt")).toBe(403);
    // symlinks inside the folder that lead out of it
    expect(await get("/leak.txt")).toBe(403);
    expect(await get("/up/secret.txt")).toBe(403);
    expect(await (await fetch(new URL("inside.js", server.url))).text()).toBe("export const x = 1;");
    expect(await get("/%2e%2e/secret.txt")).toBe(404); // the URL parser resolves it to /secret.txt inside the folder
  });

  it("redirects a folder only to a normalised same-origin path (no open redirect)", async () => {
    const {request} = await import("node:http");
    const location = (rawPath: string) =>
      new Promise<[number, string | undefined]>((resolve, reject) => {
        const u = new URL(server.url);
        request({host: u.hostname, port: u.port, path: rawPath}, (res) => {
          res.resume();
          resolve([res.statusCode ?? 0, res.headers.location]);
        })
          .on("error", reject)
          .end();
      });
    expect(await location("/%2F%2Fevil.example%2F..%2Freleases")).toEqual([301, "/releases/"]);
    expect(await location("//evil.example/../releases")).toEqual([301, "/releases/"]);
    expect(await location("/releases/./v2.0")).toEqual([301, "/releases/v2.0/"]);
  });

  it("answers 404 for a missing file and 405 for other methods", async () => {
    expect((await fetch(new URL("nope.html", server.url))).status).toBe(404);
    expect((await fetch(new URL("app.js", server.url), {method: "POST"})).status).toBe(405);
  });
});

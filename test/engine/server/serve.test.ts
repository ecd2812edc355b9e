import {mkdir, mkdtemp, rm, symlink, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {serveDirectory, type StaticServer} from "../../../engine/server/serve.ts";

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
  server = await serveDirectory(path.join(root, "site"));
});

afterAll(async () => {
  await server.close();
  await rm(root, {recursive: true, force: true});
});

describe("serveDirectory", () => {
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

import {readFileSync} from "node:fs";

/** benchbook's version, from package.json (read once; it is part of every report's provenance). */
export const BENCHBOOK_VERSION: string = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;

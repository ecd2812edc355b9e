/** Where a verb writes: the process's streams, or a capture in tests. */
import path from "node:path";

export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const STDIO: CommandIo = {out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t)};

/** A path as the user would type it: relative to the working folder when inside it. */
export function shownPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/**
 * An input problem the user can fix: always names the file (and line when there is one) and says what
 * was expected. The CLI prints these without a stack trace and exits 2.
 */
export class InputError extends Error {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly expected: string | undefined;

  constructor(message: string, options: {file?: string; line?: number; expected?: string; cause?: unknown} = {}) {
    super(formatLocation(options.file, options.line) + message + (options.expected ? ` (expected ${options.expected})` : ""), {
      cause: options.cause
    });
    this.name = "InputError";
    this.file = options.file;
    this.line = options.line;
    this.expected = options.expected;
  }
}

function formatLocation(file: string | undefined, line: number | undefined): string {
  if (!file) return "";
  return line === undefined ? `${file}: ` : `${file}:${line}: `;
}

/** Write a file the user named (--output): a missing folder or a folder in its place is an input error. */
export async function writeOutputFile(file: string, content: string): Promise<void> {
  const {writeFile} = await import("node:fs/promises");
  try {
    await writeFile(file, content);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR" || code === "EACCES" || code === "EROFS" || code === "ENAMETOOLONG") {
      throw new InputError(`cannot write the output file (${code === "ENOENT" ? "its folder does not exist" : code})`, {file, expected: "a writable file path in an existing folder"});
    }
    throw error;
  }
}

export function isInputError(error: unknown): error is InputError {
  return error instanceof InputError;
}

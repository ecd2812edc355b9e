/**
 * The terminal side of a run: the pipeline's output copied through, benchbook's own messages, and a
 * progress line. On a TTY the progress line is redrawn in place below the output (only while the output
 * cursor is at a line start, so a half-written line is never overwritten). Elsewhere (CI logs, pipes) it
 * is printed as ordinary lines: when the stage changes and at most every `plainIntervalMs` otherwise.
 */

export interface Display {
  output(chunk: Buffer): void;
  message(line: string): void;
  /** a new progress line; `important` (a stage change) is printed even in plain mode right away */
  progress(line: string, important: boolean): void;
  close(): void;
}

const CLEAR = "\r\x1b[2K";

export function createDisplay(stream: NodeJS.WritableStream, options: {tty: boolean; plainIntervalMs: number}): Display {
  let atLineStart = true;
  let status: string | null = null;
  let statusShown = false;
  let lastPlain = 0;
  let pending: string | null = null;

  const hideStatus = () => {
    if (statusShown) stream.write(CLEAR);
    statusShown = false;
  };
  const showStatus = () => {
    if (options.tty && status && atLineStart) {
      stream.write(`${CLEAR}${status}`);
      statusShown = true;
    }
  };
  const printPlain = (line: string) => {
    if (!atLineStart) {
      pending = line;
      return;
    }
    stream.write(`[benchbook] ${line}\n`);
    lastPlain = Date.now();
    pending = null;
  };

  return {
    output(chunk) {
      if (chunk.length === 0) return;
      hideStatus();
      stream.write(chunk);
      atLineStart = chunk[chunk.length - 1] === 0x0a;
      if (options.tty) showStatus();
      else if (pending && atLineStart) printPlain(pending);
    },
    message(line) {
      hideStatus();
      if (!atLineStart) stream.write("\n");
      atLineStart = true;
      stream.write(`[benchbook] ${line}\n`);
      showStatus();
    },
    progress(line, important) {
      status = line;
      if (options.tty) {
        hideStatus();
        showStatus();
      } else if (important || Date.now() - lastPlain >= options.plainIntervalMs) {
        printPlain(line);
      }
    },
    close() {
      hideStatus();
      status = null;
    }
  };
}

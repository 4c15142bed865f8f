import { open, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** One log event read from the files, with where it came from. */
export interface TailedEvent {
  /** Path of the file relative to the output folder: `<log group>/<log stream>.jsonl`. */
  readonly file: string;
  readonly event: unknown;
}

/** Reads the events appended to the `.jsonl` files of an output folder since the previous read. */
export interface EmfFileTail {
  read(): Promise<TailedEvent[]>;
  /** Lines that were not JSON, so far (each is reported once). */
  readonly badLines: number;
}

async function listJsonl(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listJsonl(path)));
    else if (entry.isFile() && entry.name.endsWith('.jsonl')) files.push(path);
  }
  return files;
}

// A stored line is either the EMF event itself or a PutLogEvents InputLogEvent ({ timestamp, message }).
function toEvent(line: string): unknown {
  const parsed: unknown = JSON.parse(line);
  if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { message?: unknown }).message === 'string') {
    return JSON.parse((parsed as { message: string }).message);
  }
  return parsed;
}

/**
 * Creates a tail of the log files under `dir` (laid out as log group / log stream, one JSON event
 * per line). Each read returns only complete lines appended since the last read, so a dashboard
 * can poll it cheaply; a partial last line waits for its newline.
 */
export function createEmfFileTail(dir: string, onBadLine: (file: string, message: string) => void = () => undefined): EmfFileTail {
  const offsets = new Map<string, number>();
  let badLines = 0;

  const readFile = async (path: string): Promise<TailedEvent[]> => {
    const { size } = await stat(path);
    const from = offsets.get(path) ?? 0;
    if (size <= from) return [];
    const handle = await open(path, 'r');
    let text: string;
    try {
      const buffer = Buffer.alloc(size - from);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
    const end = text.lastIndexOf('\n');
    if (end < 0) return [];
    offsets.set(path, from + Buffer.byteLength(text.slice(0, end + 1)));
    const file = relative(dir, path);
    const events: TailedEvent[] = [];
    for (const line of text.slice(0, end).split('\n')) {
      if (line.trim() === '') continue;
      try {
        events.push({ file, event: toEvent(line) });
      } catch (error) {
        badLines += 1;
        onBadLine(file, `line is not JSON (${(error as Error).message}): ${line.slice(0, 80)}`);
      }
    }
    return events;
  };

  return {
    async read() {
      const events: TailedEvent[] = [];
      for (const path of await listJsonl(dir)) events.push(...(await readFile(path)));
      return events;
    },
    get badLines() {
      return badLines;
    },
  };
}

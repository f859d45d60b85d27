/**
 * Where the stream relay keeps its place next to the data: per shard, the sequence number
 * of the last record it relayed (or filtered out), and the stream they belong to. Lambda
 * keeps the same per shard for an event source mapping.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

interface SavedCheckpoint {
  readonly streamArn: string;
  readonly shards: Record<string, string>;
}

export class StreamCheckpoint {
  constructor(private readonly file: string) {}

  /** Shard id to the last sequence number done, or undefined when nothing is saved for this stream. */
  read(streamArn: string): Map<string, string> | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const saved = JSON.parse(text) as Partial<SavedCheckpoint>;
    if (typeof saved.shards !== 'object' || saved.shards === null) {
      throw new Error(
        `${this.file} does not hold a stream position; delete it to relay the stream from its oldest record`,
      );
    }
    // A stream enabled anew (a new table, a new data folder) starts from its beginning.
    if (saved.streamArn !== streamArn) return undefined;
    return new Map(Object.entries(saved.shards));
  }

  write(streamArn: string, shards: ReadonlyMap<string, string>): void {
    // Written aside and renamed over, so a crash never leaves half a file.
    const next = `${this.file}.next`;
    writeFileSync(
      next,
      `${JSON.stringify({ streamArn, shards: Object.fromEntries(shards) } satisfies SavedCheckpoint)}\n`,
    );
    renameSync(next, this.file);
  }
}

const KEPT_LINES = 40;

/** Keeps the last lines PostgreSQL printed (to explain a failed start) and forwards them to a logger. */
export class OutputTail {
  private readonly lines: string[] = [];

  constructor(private readonly forward?: (line: string) => void) {}

  readonly push = (output: unknown): void => {
    const text = output instanceof Error ? output.message : String(output);
    for (const line of text.split('\n').filter((candidate) => candidate.trim() !== '')) {
      this.lines.push(line);
      if (this.lines.length > KEPT_LINES) this.lines.shift();
      this.forward?.(line);
    }
  };

  text(): string {
    return this.lines.join('\n');
  }
}

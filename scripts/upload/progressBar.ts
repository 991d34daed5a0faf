/** A one-line progress bar on a terminal; occasional plain lines otherwise (CI logs, pipes). */

export interface Progress {
  filesDone: number;
  filesTotal: number;
  bytesSent: number;
  bytesTotal: number;
  failed: number;
  skipped: number;
}

const WIDTH = 30;
const PLAIN_EVERY_MS = 5000;

export class ProgressBar {
  private readonly started = Date.now();
  private lastPlain = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly progress: Progress,
    private readonly out: NodeJS.WriteStream,
    private readonly enabled: boolean,
  ) {}

  start(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => this.draw(false), this.out.isTTY ? 200 : 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.enabled) this.draw(true);
  }

  private draw(final: boolean): void {
    const p = this.progress;
    const fraction = p.bytesTotal > 0 ? Math.min(1, p.bytesSent / p.bytesTotal) : 1;
    const seconds = Math.max(0.001, (Date.now() - this.started) / 1000);
    const rate = p.bytesSent / seconds;
    const eta = rate > 0 && fraction < 1 ? ` eta ${Math.ceil((p.bytesTotal - p.bytesSent) / rate)}s` : '';
    const bar = '#'.repeat(Math.round(fraction * WIDTH)).padEnd(WIDTH, '-');
    const line =
      `[${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% ${p.filesDone}/${p.filesTotal} files ` +
      `${mib(p.bytesSent)}/${mib(p.bytesTotal)} MiB ${mib(rate)} MiB/s` +
      `${p.skipped ? ` skipped ${p.skipped}` : ''}${p.failed ? ` failed ${p.failed}` : ''}${eta}`;
    if (this.out.isTTY) {
      this.out.write(`\r${line}\u001b[K${final ? '\n' : ''}`);
    } else if (final || Date.now() - this.lastPlain >= PLAIN_EVERY_MS) {
      this.lastPlain = Date.now();
      this.out.write(`${line}\n`);
    }
  }
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

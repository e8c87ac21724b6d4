// A progress bar on stderr, only when stderr is a TTY (never in pipes, logs or JSON consumers' captures).
import type { Output } from './output.js';

export interface Progress {
  tick(): void;
  done(): void;
}

export function progressBar(output: Output, label: string, total: number): Progress {
  const stream = output.err;
  if (stream.isTTY !== true || total < 2) return { tick() {}, done() {} };
  let count = 0;
  let last = 0;
  const draw = () => {
    const width = 30;
    const filled = Math.round((count / total) * width);
    stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count}/${total}`);
  };
  draw();
  return {
    tick() {
      count++;
      const now = Date.now();
      if (now - last > 100 || count === total) {
        last = now;
        draw();
      }
    },
    done() {
      stream.write('\r\u001b[K');
    },
  };
}

import type { Progress } from '../run/run-check.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * A one-line spinner on a terminal ("⠹ 12/31 ratelimit.burst · 143 requests"), redrawn in place;
 * silent when the stream is not a terminal, so logs and pipes stay clean.
 */
export function terminalProgress(stream: NodeJS.WriteStream): {
  update: (progress: Progress) => void;
  stop: () => void;
} {
  if (!stream.isTTY) return { update: () => undefined, stop: () => undefined };
  let text = 'starting';
  let frame = 0;
  const draw = () => {
    stream.write(`\r\x1b[2K${FRAMES[frame % FRAMES.length]} ${text}`);
    frame += 1;
  };
  const timer = setInterval(draw, 100);
  timer.unref();
  return {
    update(progress) {
      if (progress.type === 'discovery') text = 'looking for the OpenAPI document';
      else if (progress.type === 'probe') {
        text = `${progress.index + 1}/${progress.total} ${progress.id} · ${progress.requests} requests`;
      } else if (progress.type === 'cleanup')
        text = `deleting ${progress.records} record(s) the run created`;
      draw();
    },
    stop() {
      clearInterval(timer);
      stream.write('\r\x1b[2K');
    },
  };
}

// A writer process for the live-mode tests: replays the lines of every file in SRC into DEST, one
// line of each file per step, STEP lines per TICK ms, the way several workers write at once. After
// ROTATE_AT lines it rotates the first file by rename (`x.out` → `x.out.1`, writing goes on in a new
// `x.out`) and the second by copy and truncate (logrotate's copytruncate). Prints `done` at the end.
//
//   node replay-writer.mjs SRC DEST [STEP=200] [TICK=50] [ROTATE_AT=600]
import { appendFileSync, copyFileSync, readdirSync, readFileSync, renameSync, truncateSync } from 'node:fs';
import { join } from 'node:path';

const [src, dest, step = '200', tick = '50', rotateAt = '600'] = process.argv.slice(2);
const files = readdirSync(src).filter((f) => f.includes('prefill')).sort();
const lines = files.map((f) => readFileSync(join(src, f), 'utf8').split('\n').filter((l) => l !== ''));
const longest = Math.max(...lines.map((l) => l.length));
let i = 0;
const timer = setInterval(() => {
  for (let k = 0; k < Number(step) && i < longest; k++, i++) {
    files.forEach((f, w) => {
      const line = lines[w][i];
      if (line !== undefined) appendFileSync(join(dest, f), `${line}\n`);
    });
    if (i === Number(rotateAt)) {
      renameSync(join(dest, files[0]), join(dest, `${files[0]}.1`));
      copyFileSync(join(dest, files[1]), join(dest, `${files[1]}.1`));
      truncateSync(join(dest, files[1]), 0);
    }
  }
  if (i >= longest) {
    clearInterval(timer);
    console.log('done');
  }
}, Number(tick));

import { closeSync, mkdtempSync, openSync, readSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stdinFile } from '../../src/input/plan.ts';

describe('stdinFile', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'dpskew-plan-')), 'log.out');
  writeFileSync(file, 'line one\nline two\n');
  const onLinux = process.platform === 'linux';

  it.runIf(onLinux)('reads a regular file at its start as that file (planned from the descriptor)', () => {
    const fd = openSync(file, 'r');
    try {
      expect(stdinFile(fd)).toEqual({ size: 18 });
    } finally {
      closeSync(fd);
    }
  });

  it('leaves a file read in part, and anything not a file, to the stream reader', () => {
    const fd = openSync(file, 'r');
    try {
      readSync(fd, Buffer.alloc(5), 0, 5, null);
      expect(stdinFile(fd)).toBeNull();
    } finally {
      closeSync(fd);
    }
    const dir = openSync(tmpdir(), 'r');
    try {
      expect(stdinFile(dir)).toBeNull();
    } finally {
      closeSync(dir);
    }
    expect(stdinFile(987_654)).toBeNull(); // no such descriptor
  });
});

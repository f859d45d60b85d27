import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalClock } from '../../../local/local-clock';

describe('Class: LocalClock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'local-clock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stands still until set, and a clock opened again from its file resumes where it was', () => {
    const file = join(dir, 'clock.json');
    const clock = LocalClock.open(file, new Date('2026-11-22T05:00:00Z'));
    expect(clock.now().toISOString()).toBe('2026-11-22T05:00:00.000Z');
    clock.set(new Date('2026-11-30T12:00:00Z'));
    expect(LocalClock.open(file, new Date('2030-01-01T00:00:00Z')).now().toISOString()).toBe(
      '2026-11-30T12:00:00.000Z',
    );
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ now: '2026-11-30T12:00:00.000Z' });
  });

  it('tells its listeners each time it is set, once the new time is saved', () => {
    const file = join(dir, 'clock.json');
    const clock = LocalClock.open(file, new Date('2026-11-22T05:00:00Z'));
    const heard: string[] = [];
    clock.onSet(() => heard.push(JSON.parse(readFileSync(file, 'utf8')).now));
    clock.set(new Date('2026-11-23T00:00:00Z'));
    clock.set(new Date('2026-11-23T06:00:00Z'));
    expect(heard).toEqual(['2026-11-23T00:00:00.000Z', '2026-11-23T06:00:00.000Z']);
  });

  it('refuses a file that holds no time, saying how to start afresh', () => {
    const file = join(dir, 'clock.json');
    writeFileSync(file, '{"now":"yesterday"}');
    expect(() => LocalClock.open(file, new Date())).toThrow(/does not hold a clock time; delete it/);
  });
});

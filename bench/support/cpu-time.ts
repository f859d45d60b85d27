/**
 * CPU time spent by this process and by another one (DynamoDB Local's JVM) over a stretch
 * of the run, to show which of them kept the machine's cores busy.
 */
import { readFileSync } from 'node:fs';

/** Linux reports process times in clock ticks of 1/100 s. */
const TICKS_PER_SECOND = 100;

export interface CpuSample {
  readonly node: number;
  /** Undefined where /proc cannot be read (not Linux). */
  readonly other: number | undefined;
}

export function sampleCpu(otherPid: number): CpuSample {
  const { user, system } = process.cpuUsage();
  return { node: (user + system) / 1e6, other: processCpuSeconds(otherPid) };
}

export function cpuSpent(from: CpuSample, to: CpuSample): CpuSample {
  return {
    node: to.node - from.node,
    other: from.other === undefined || to.other === undefined ? undefined : to.other - from.other,
  };
}

function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces:
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

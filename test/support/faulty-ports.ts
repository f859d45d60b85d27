/**
 * Faults at the I/O boundary: a port decorator for the wiring's `decorate` hook that
 * passes every method call of a port through two fault points, `<port>.<method>:before`
 * (nothing done yet) and `<port>.<method>:after` (the call went through, and its caller
 * never sees the answer). Whoever decides (`FaultSwitch` in tests, `RandomFaults` in the
 * simulator) crashes a point by throwing. The code under test is not changed: it meets
 * the crash where it would meet a failed call, and its own error handling takes it.
 */
import type { PortDecorator } from '../../functions/wiring/port-decorator';

/** Decides, each time a point is reached, whether it crashes (by throwing). */
export interface FaultPoints {
  reached(point: string): void;
}

/** Ports whose methods answer synchronously: a crash before the call throws instead of rejecting. */
const SYNCHRONOUS_PORTS: ReadonlySet<string> = new Set(['clock']);

export function faultyPorts(faults: FaultPoints): PortDecorator {
  return (port, adapter) => faultyPort(port, adapter, faults);
}

function faultyPort<T extends object>(port: string, adapter: T, faults: FaultPoints): T {
  const synchronous = SYNCHRONOUS_PORTS.has(port);
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(adapter, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function' || typeof key !== 'string' || key === 'constructor') return value;
      let method = wrapped.get(key);
      if (method === undefined) {
        method = faultyMethod(`${port}.${key}`, value as Method, target, synchronous, faults);
        wrapped.set(key, method);
      }
      return method;
    },
  });
}

type Method = (...args: unknown[]) => unknown;

function faultyMethod(name: string, method: Method, target: object, synchronous: boolean, faults: FaultPoints): Method {
  const before = `${name}:before`;
  const after = `${name}:after`;
  return (...args: unknown[]): unknown => {
    if (synchronous) {
      faults.reached(before);
      const result = method.apply(target, args);
      faults.reached(after);
      return result;
    }
    try {
      faults.reached(before);
    } catch (crash) {
      return Promise.reject(crash);
    }
    // The adapter itself as `this`: its private state and its own calls stay out of the proxy.
    return Promise.resolve(method.apply(target, args)).then((result) => {
      faults.reached(after);
      return result;
    });
  };
}

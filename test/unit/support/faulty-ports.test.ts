import { TestClock } from '../../support/test-clock';
import { FaultSwitch, InjectedCrash } from '../../support/fault-switch';
import { faultyPorts } from '../../support/faulty-ports';

/** A port with private state, so a call made with the wrong `this` fails. */
class CountingStore {
  #writes = 0;
  readonly shards = 16;

  async write(value: string): Promise<string> {
    this.#writes += 1;
    return `stored ${value}`;
  }

  get writes(): number {
    return this.#writes;
  }
}

describe('Function: faultyPorts', () => {
  let faults: FaultSwitch;
  let store: CountingStore;
  let port: CountingStore;

  beforeEach(() => {
    faults = new FaultSwitch();
    store = new CountingStore();
    port = faultyPorts(faults)('store', store);
  });

  it('passes calls and properties through to the adapter, with the adapter as `this`, when no point is armed', async () => {
    // Act
    const answer = await port.write('a');

    // Assess
    expect(answer).toBe('stored a');
    expect(store.writes).toBe(1);
    expect(port.shards).toBe(16);
  });

  it('crashes before the call: the adapter is not called and the caller gets a rejected promise', async () => {
    // Prepare
    faults.arm('store.write:before');

    // Act
    const call = port.write('a');

    // Assess
    await expect(call).rejects.toThrow(new InjectedCrash('store.write:before'));
    expect(store.writes).toBe(0);
    await expect(port.write('b')).resolves.toBe('stored b');
  });

  it('crashes after the call: the adapter did its work and the caller never sees the answer', async () => {
    // Prepare
    faults.arm('store.write:after');

    // Act
    const call = port.write('a');

    // Assess
    await expect(call).rejects.toThrow('injected crash at store.write:after');
    expect(store.writes).toBe(1);
    expect(faults.hits).toEqual(['store.write:after']);
  });

  it('crashes a synchronous port synchronously, before or after the call', () => {
    // Prepare
    const clock = new TestClock(new Date('2026-11-22T09:00:00Z'));
    const faultyClock = faultyPorts(faults)('clock', clock);
    faults.arm('clock.now:before');

    // Act and Assess
    expect(() => faultyClock.now()).toThrow(InjectedCrash);
    expect(faultyClock.now()).toEqual(new Date('2026-11-22T09:00:00Z'));
    faults.arm('clock.now:after');
    expect(() => faultyClock.now()).toThrow('injected crash at clock.now:after');
  });

  it('refuses to arm a point that is not named after a port call', () => {
    expect(() => faults.arm('ingest:after-debit')).toThrow(
      'fault point "ingest:after-debit" is not <port>.<method>:before or :after',
    );
  });
});

/** Wraps each port a wiring builds, named as its dependency: a hook for tracing or tests; identity by default. */
export type PortDecorator = <T extends object>(port: string, adapter: T) => T;

export const undecorated: PortDecorator = (_port, adapter) => adapter;

/**
 * What a function builds once (secrets read, clients made) before it handles work. The
 * build starts at cold start, in Lambda's init phase. A build that fails is not kept: the
 * next invocation builds again, so a function that started while a secret still held its
 * placeholder recovers as soon as the operator puts the real value, instead of failing
 * until Lambda happens to replace the container.
 */
export function builtOnce<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  const get = () => {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
  // A failure here is reported by the first invocation, which builds again.
  get().catch(() => undefined);
  return get;
}

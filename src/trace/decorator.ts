import { aegislogTrace, type TraceOptions } from './trace.js';

/**
 * `aegislogTrace` as a TypeScript 5 method decorator (the standard, TC39 kind:
 * no `experimentalDecorators`). The event type and the payload's `function`
 * default to the method's name.
 *
 * ```ts
 * class Classifier {
 *   @trace({ log: (self: Classifier) => self.log, model_context: { model_id: 'clf', model_version: '2.3.1' } })
 *   async classify(text: string) { ... }
 * }
 * ```
 */
export function trace(options: TraceOptions) {
  return function <This, Args extends unknown[], Return>(
    method: (this: This, ...args: Args) => Return,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
  ): (this: This, ...args: Args) => Return {
    if (context.kind !== 'method') throw new TypeError('@trace decorates methods only');
    const name = typeof context.name === 'string' ? context.name : (context.name.description ?? 'method');
    return aegislogTrace(method, { eventType: name, name, ...options });
  };
}

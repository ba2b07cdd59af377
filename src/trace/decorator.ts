import { AegisLogError } from '../protocol/errors.js';
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
    const name = typeof context.name === 'string' ? context.name : (context.name?.description ?? 'method');
    // Reached from JavaScript (Babel) or through a cast: the project's typed error, naming the member.
    if (context.kind !== 'method') throw new AegisLogError('ERR_CONFIG', `@trace decorates methods only: ${name} is a ${String(context.kind)}`, { field: name });
    return aegislogTrace(method, { eventType: name, name, ...options });
  };
}

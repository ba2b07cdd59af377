/**
 * JSON answers of the server's routes, made into a `Response` only when a host
 * asks for one. Node's undici builds a ReadableStream for every Response body
 * (12–24 µs a response, and garbage), which the Node adapter never reads: it
 * writes an answer's text to the socket in one call (`ANSWER`). Every other host
 * gets the same answer as a Response through the server's `fetch`.
 */

import { JSON_HEADERS } from '../transport/web-handler.js';

/**
 * A JSON body, its status and headers (content type included), as the wire carries them. The body may be
 * kept in parts, written one after the other: V8 puts a string of 128 KiB or more in pages of its own,
 * fresh from the OS, and on this project's machine touching them costs about 1 ms per 128 KiB (page
 * faults), where the same text in parts of 100 KiB costs 0.05 ms. A batch's answer is some 200 KiB.
 */
export class JsonAnswer {
  readonly parts: readonly string[];
  constructor(
    readonly status: number,
    text: string | readonly string[],
    readonly headers: Record<string, string>,
  ) {
    this.parts = typeof text === 'string' ? [text] : text;
  }

  /** The whole body as one string. */
  get text(): string {
    return this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
  }
}

/** What a route answers: a JSON answer, or a Response for anything else (tiles, streams, text). */
export type Answer = Response | JsonAnswer;

/** The server's answer to a request, unmade: the Node adapter calls it in place of `fetch` when a handler has it. */
export const ANSWER: unique symbol = Symbol('aegislog.answer');

export type AnswerHandler = (request: Request) => Promise<Answer>;

export function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): JsonAnswer {
  return new JsonAnswer(status, JSON.stringify(body), { ...JSON_HEADERS, ...headers });
}

/** Values at most this many to a part: some 40 KiB of receipts. */
const PER_PART = 100;

/**
 * `{"<name>":[...items],...rest}` as `jsonAnswer` would write it, the items serialised in parts
 * (see JsonAnswer). `rest` holds JSON values only, as the rest of a body does.
 */
export function jsonListAnswer(status: number, name: string, items: readonly unknown[], rest: Record<string, unknown>, headers: Record<string, string> = {}): JsonAnswer {
  const parts = [`{${JSON.stringify(name)}:[`];
  for (let i = 0; i < items.length; i += PER_PART) {
    const text = JSON.stringify(items.slice(i, i + PER_PART));
    parts.push(i === 0 ? text.slice(1, -1) : `,${text.slice(1, -1)}`);
  }
  const tail = JSON.stringify(rest);
  parts.push(tail === '{}' ? ']}' : `],${tail.slice(1)}`);
  return new JsonAnswer(status, parts, { ...JSON_HEADERS, ...headers });
}

export function toResponse(answer: Answer): Response {
  return answer instanceof JsonAnswer ? new Response(answer.text, { status: answer.status, headers: answer.headers }) : answer;
}

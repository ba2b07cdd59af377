/**
 * JSON answers of the server's routes, made into a `Response` only when a host
 * asks for one. Node's undici builds a ReadableStream for every Response body
 * (12–24 µs a response, and garbage), which the Node adapter never reads: it
 * writes an answer's text to the socket in one call (`ANSWER`). Every other host
 * gets the same answer as a Response through the server's `fetch`.
 */

import { JSON_HEADERS } from '../transport/web-handler.js';

/** A JSON body, its status and headers (content type included), as the wire carries them. */
export class JsonAnswer {
  constructor(
    readonly status: number,
    readonly text: string,
    readonly headers: Record<string, string>,
  ) {}
}

/** What a route answers: a JSON answer, or a Response for anything else (tiles, streams, text). */
export type Answer = Response | JsonAnswer;

/** The server's answer to a request, unmade: the Node adapter calls it in place of `fetch` when a handler has it. */
export const ANSWER: unique symbol = Symbol('aegislog.answer');

export type AnswerHandler = (request: Request) => Promise<Answer>;

export function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): JsonAnswer {
  return new JsonAnswer(status, JSON.stringify(body), { ...JSON_HEADERS, ...headers });
}

export function toResponse(answer: Answer): Response {
  return answer instanceof JsonAnswer ? new Response(answer.text, { status: answer.status, headers: answer.headers }) : answer;
}

/**
 * Reads a request body with a byte limit enforced while it streams, so that an
 * oversized upload is cut off at the limit instead of being buffered whole
 * (an edge isolate has ~128 MB and no disk).
 */
export class BodyTooLarge extends Error {}

export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw new BodyTooLarge();
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Stop the upload here; the rest of the body is never read.
      await reader.cancel().catch(() => {});
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  // fatal: a body that is not UTF-8 is bad JSON, not text to repair silently.
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

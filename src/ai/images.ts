/**
 * Image generation calls are model calls too, and their images are synthetic content that must stay traceable to
 * the call that made them (EU AI Act Art. 50). Shared by wrapOpenAI (`images.generate`, `.edit`,
 * `.createVariation`). The images themselves are not kept: their count, and with a digest key the digest of the
 * list of them in answer order, each as its bytes (or as its URL when the answer gives one instead), so that
 * whoever kept the files can show that the evidence covers them: `aiDigest([png1, png2], key)`.
 */
import type { AiCall } from './options.js';

/**
 * An image the answer carried as base64: its bytes, decoded only when the digest (or `capture: 'full'`, which
 * records their size) reads them, through `toJSON`, which the digest's canonical JSON honours, after the call:
 * decoding a 1.5 MB image takes about 10 ms, which the call's path must not pay, nor a call recorded without
 * a digest. Its digest is the same as the decoded bytes' (a `Uint8Array`'s).
 */
export class Base64Image {
  constructor(readonly base64: string) {}

  /** The bytes; text that is no base64 (never from the APIs this reads) as it is, rather than no event. */
  toJSON(): Uint8Array | string {
    try {
      const text = atob(this.base64);
      const bytes = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
      return bytes;
    } catch {
      return this.base64;
    }
  }
}

/** What an image call's event takes from its images, in answer order (each bytes, a `Base64Image` or a URL). */
export function imagesCall(images: readonly unknown[]): Pick<AiCall, 'images' | 'extra'> {
  return { images, extra: { image_count: images.length } };
}

// The start of a test server on a data folder of its own: if the start throws, the folder is removed
// before the error goes on, so a server that failed to start leaves no folder either (one that
// started removes its folder in its own stop()). For example:
//
//   const temp = await tempDir();
//   return startOrRemove(temp, () => serve(temp.dir));

/**
 * What `start` returns; if it throws, the same error once `folder` is removed (nothing is removed
 * when `folder` is undefined, e.g. a folder the caller owns).
 */
export async function startOrRemove<T>(folder: { remove(): Promise<unknown> } | undefined, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    await folder?.remove();
    throw error;
  }
}

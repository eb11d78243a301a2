/**
 * Reads a text/event-stream body block by block (the text between blank lines) until it ends or is
 * aborted. The stream tests read the wire format themselves, so they check the server's framing rather
 * than the parser the dashboard and typed client use (eventsource-parser).
 */
export async function forEachSseBlock(body: NonNullable<Response['body']>, onBlock: (block: string) => void): Promise<void> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += value;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        onBlock(block);
      }
    }
  } catch {
    // Aborted: whoever opened the stream closed it.
  }
}

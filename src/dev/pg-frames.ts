/**
 * Just enough of PostgreSQL's frontend framing to see a client's Terminate message ('X') go past
 * in the byte stream the proxy pipes. PostgreSQL closes the connection after Terminate, and Neon's
 * driver waits for that close (its socket shim never closes on its own), so the proxy ends the
 * TCP connection itself: otherwise a target that keeps the socket open (pglite-socket) would
 * leave `client.end()` pending forever.
 */

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const TERMINATE = 0x58; // 'X'

/** Feed it the client's bytes in order; it answers whether a Terminate message has been sent. */
export class FrontendFrames {
  /** Start-up messages have no type byte: a length, then a code. */
  private startup = true;
  /** Bytes still to skip of the message being read. */
  private skip = 0;
  /** A partial header carried over from the previous chunk. */
  private header: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): boolean {
    let data = this.header.length > 0 ? Buffer.concat([this.header, chunk]) : chunk;
    this.header = Buffer.alloc(0);
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length);
        this.skip -= n;
        data = data.subarray(n);
      }
      if (data.length === 0) return false;
      if (this.startup) {
        if (data.length < 8) {
          this.header = Buffer.from(data);
          return false;
        }
        const length = data.readInt32BE(0);
        const code = data.readInt32BE(4);
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) this.startup = false;
        this.skip = length;
        continue;
      }
      if (data.length < 5) {
        this.header = Buffer.from(data);
        return false;
      }
      if (data[0] === TERMINATE) return true;
      this.skip = 1 + data.readInt32BE(1);
    }
  }
}

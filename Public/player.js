// Plays raw PCM (16-bit little-endian mono, as /v1/audio/speech sends with
// response_format=pcm) while it downloads: each chunk becomes an AudioBuffer scheduled
// right after the previous one, so speech starts with the first finished sentence.
export class PcmPlayer {
  constructor(rate = 24000) {
    this.ctx = new AudioContext();
    this.ctx.resume();
    this.rate = rate;
    this.at = 0; // context time where the next chunk starts
    this.start = null; // context time of the first scheduled sample
    this.carry = null; // odd trailing byte of the previous chunk
    this.chunks = 0;
  }

  /** Schedules the bytes of one network chunk. */
  push(bytes) {
    if (this.carry) {
      const joined = new Uint8Array(bytes.length + 1);
      joined[0] = this.carry[0];
      joined.set(bytes, 1);
      bytes = joined;
      this.carry = null;
    }
    if (bytes.length & 1) {
      this.carry = bytes.slice(-1);
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    const n = bytes.length >> 1;
    if (!n) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2);
    const buf = this.ctx.createBuffer(1, n, this.rate);
    const out = buf.getChannelData(0);
    for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true) / 32768;
    const src = this.ctx.createBufferSource();
    src.buffer = buf;
    src.connect(this.ctx.destination);
    // A small lead keeps chunks gapless; after a stall, playback resumes from "now".
    this.at = Math.max(this.at, this.ctx.currentTime + 0.05);
    if (this.start == null) this.start = this.at;
    src.start(this.at);
    this.at += buf.duration;
    this.chunks++;
  }

  /** Seconds of audio already heard. */
  get played() {
    return this.start == null ? 0 : Math.max(0, Math.min(this.ctx.currentTime, this.at) - this.start);
  }

  /** Seconds of audio received and scheduled. */
  get received() {
    return this.start == null ? 0 : this.at - this.start;
  }

  /** Seconds of audio still queued. */
  get remaining() {
    return Math.max(0, this.at - this.ctx.currentTime);
  }

  close() {
    if (this.ctx.state !== 'closed') this.ctx.close();
  }
}

// Microphone recording in the browser: getUserMedia → AudioWorklet tap → 16-bit mono WAV.
// No server-side codec is needed, and the clip stays exactly as recorded (no browser
// echo cancellation or noise suppression, which would colour the voice).
export class Recorder {
  /** Starts recording; `onLevel(peak 0…1)` is called for each block. Throws when there is no microphone. */
  async start(onLevel) {
    if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) throw new Error('insecure');
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    this.ctx = new AudioContext();
    await this.ctx.audioWorklet.addModule('/ui/rec-worklet.js');
    this.blocks = [];
    this.node = new AudioWorkletNode(this.ctx, 'rec-tap', { numberOfOutputs: 0 });
    this.node.port.onmessage = (e) => {
      this.blocks.push(e.data);
      let peak = 0;
      for (const s of e.data) peak = Math.max(peak, Math.abs(s));
      onLevel?.(peak);
    };
    this.ctx.createMediaStreamSource(this.stream).connect(this.node);
  }

  /** Seconds recorded so far. */
  get seconds() {
    return this.ctx ? (this.blocks.length * 4096) / this.ctx.sampleRate : 0;
  }

  /** Stops and returns the recording as a WAV Blob. */
  async stop() {
    const rate = this.ctx.sampleRate;
    this.stream.getTracks().forEach((tr) => tr.stop());
    this.node.port.onmessage = null;
    await this.ctx.close();
    const samples = new Float32Array(this.blocks.length * 4096);
    this.blocks.forEach((b, i) => samples.set(b, i * 4096));
    this.blocks = [];
    return encodeWav(samples, rate);
  }
}

/** 16-bit PCM mono WAV (RIFF) from float samples in -1…1. */
export function encodeWav(samples, rate) {
  const view = new DataView(new ArrayBuffer(44 + samples.length * 2));
  const str = (o, s) => [...s].forEach((c, i) => view.setUint8(o + i, c.charCodeAt(0)));
  str(0, 'RIFF');
  view.setUint32(4, 36 + samples.length * 2, true);
  str(8, 'WAVEfmt ');
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  str(36, 'data');
  view.setUint32(40, samples.length * 2, true);
  samples.forEach((s, i) => view.setInt16(44 + i * 2, Math.max(-1, Math.min(1, s)) * 0x7fff, true));
  return new Blob([view], { type: 'audio/wav' });
}

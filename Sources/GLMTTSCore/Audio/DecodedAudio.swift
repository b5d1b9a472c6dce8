/// Decoded input audio: mono samples plus what the source was.
public struct DecodedAudio: Sendable {
    /// The audio, down-mixed to mono, at the source's sample rate.
    public var audio: AudioBuffer
    /// The container the bytes were recognised as.
    public var container: AudioContainer
    /// Channels in the source before down-mixing.
    public var sourceChannels: Int
    /// Sample rate of the source.
    public var sourceSampleRate: Int

    /// Bundles decoded audio with what the source was.
    public init(audio: AudioBuffer, container: AudioContainer, sourceChannels: Int, sourceSampleRate: Int) {
        self.audio = audio
        self.container = container
        self.sourceChannels = sourceChannels
        self.sourceSampleRate = sourceSampleRate
    }
}

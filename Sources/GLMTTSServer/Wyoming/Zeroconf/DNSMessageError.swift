/// Why a received DNS packet could not be read (it is then ignored).
enum DNSMessageError: Error, Equatable {
    /// The packet ends inside a header, name or record.
    case truncated
    /// A name is longer than 255 bytes.
    case nameTooLong
    /// A compression pointer does not point strictly backwards.
    case badPointer
    /// A label uses a reserved type (the top bits 01 or 10).
    case badLabel
    /// More questions or records than a packet of its size can hold.
    case tooManyEntries
}

/// Characters charged to a key's daily quota for one request, kept so that they can be
/// given back (`APIHandler.refund`) when the request is refused after the charge.
struct QuotaCharge: Sendable {
    /// The key charged.
    var keyID: String
    /// The UTC day (`yyyy-MM-dd`) the characters were counted on.
    var day: String
    /// How many characters.
    var characters: Int
}

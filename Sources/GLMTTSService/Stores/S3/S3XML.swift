import Foundation

/// The few fields we read from S3's XML answers (ListObjectsV2 results and error documents),
/// found by tag. S3's answers are flat and regular; a full XML parser would add a libxml2
/// dependency for five tags. Entities are decoded; anything else is taken as text.
enum S3XML {
    /// The text of every `<name>…</name>` in `xml`, in order (non-nested use only).
    static func values(of name: String, in xml: Substring) -> [String] {
        blocks(of: name, in: xml).map { decode($0) }
    }

    /// The first `<name>` text in `xml`, or nil.
    static func value(of name: String, in xml: Substring) -> String? {
        blocks(of: name, in: xml).first.map { decode($0) }
    }

    /// The raw contents of every `<name>…</name>` (attributes on the opening tag allowed).
    static func blocks(of name: String, in xml: Substring) -> [Substring] {
        var found: [Substring] = []
        var rest = xml[...]
        while let open = rest.range(of: "<\(name)") {
            let afterName = open.upperBound
            guard afterName < rest.endIndex, ">/ ".contains(rest[afterName]),
                let tagEnd = rest[afterName...].firstIndex(of: ">")
            else {
                rest = rest[afterName...]
                continue
            }
            if rest[rest.index(before: tagEnd)] == "/" {  // <name/>: empty
                found.append(rest[tagEnd..<tagEnd])
                rest = rest[rest.index(after: tagEnd)...]
                continue
            }
            let contentStart = rest.index(after: tagEnd)
            guard let close = rest[contentStart...].range(of: "</\(name)>") else { break }
            found.append(rest[contentStart..<close.lowerBound])
            rest = rest[close.upperBound...]
        }
        return found
    }

    /// XML text with its five named entities and numeric references decoded.
    static func decode(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var out = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
                out += rest[amp...]
                return out
            }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let number: UInt32? =
                    entity.hasPrefix("#x")
                    ? UInt32(entity.dropFirst(2), radix: 16) : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                if let number, let scalar = Unicode.Scalar(number) { out.unicodeScalars.append(scalar) } else { out += rest[amp...semi] }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}

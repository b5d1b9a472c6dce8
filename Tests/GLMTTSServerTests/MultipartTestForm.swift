import Foundation

/// A `multipart/form-data` body built in tests.
struct MultipartTestForm {
    private let boundary = "glmtts-test-\(UUID().uuidString)"
    private var parts: [Data] = []

    /// The `Content-Type` with the boundary.
    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    /// The encoded body.
    var body: Data {
        var data = Data()
        for part in parts {
            data.append(Data("--\(boundary)\r\n".utf8))
            data.append(part)
            data.append(Data("\r\n".utf8))
        }
        data.append(Data("--\(boundary)--\r\n".utf8))
        return data
    }

    /// Adds a text field.
    func field(_ name: String, _ value: String) -> MultipartTestForm {
        adding("Content-Disposition: form-data; name=\"\(name)\"\r\n\r\n", Data(value.utf8))
    }

    /// Adds a file.
    func file(_ name: String, _ data: Data, filename: String = "clip.wav", type: String = "audio/wav") -> MultipartTestForm {
        adding("Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(type)\r\n\r\n", data)
    }

    private func adding(_ head: String, _ data: Data) -> MultipartTestForm {
        var copy = self
        copy.parts.append(Data(head.utf8) + data)
        return copy
    }
}
